"""Domain rules, pure: no Flask, no Socket.IO, no database."""

import pytest

from workshop.domain import joincode, rules
from workshop.domain.errors import MESSAGES, Rejected
from workshop.domain.rules import VotingRules


def code_of(excinfo) -> str:
    return excinfo.value.code


class TestVotingRules:
    def test_defaults_are_three_dots_and_two_per_item(self):
        assert VotingRules() == VotingRules(budget=3, cap=2)

    def test_place_allowed_until_budget_then_refused(self):
        r = VotingRules(budget=3, cap=2)
        r.check_place(used_total=2, used_on_item=0)
        with pytest.raises(Rejected) as e:
            r.check_place(used_total=3, used_on_item=0)
        assert code_of(e) == "vote_budget_exhausted"
        assert e.value.params == {"budget": 3}

    def test_cap_per_item(self):
        r = VotingRules(budget=5, cap=2)
        r.check_place(used_total=1, used_on_item=1)
        with pytest.raises(Rejected) as e:
            r.check_place(used_total=2, used_on_item=2)
        assert code_of(e) == "vote_cap_reached"

    def test_budget_is_checked_before_cap(self):
        # Both exhausted: the more useful message is "no dots left".
        with pytest.raises(Rejected) as e:
            VotingRules(budget=2, cap=2).check_place(used_total=2, used_on_item=2)
        assert code_of(e) == "vote_budget_exhausted"

    def test_dots_left_never_negative(self):
        assert VotingRules(budget=3, cap=2).dots_left(1) == 2
        assert VotingRules(budget=3, cap=2).dots_left(5) == 0

    @pytest.mark.parametrize("budget,cap", [(0, 1), (3, 0), (3, 4), (51, 2)])
    def test_impossible_settings_refused(self, budget, cap):
        with pytest.raises(ValueError):
            VotingRules(budget=budget, cap=cap)

    def test_withdraw_needs_a_dot_there(self):
        rules.check_withdraw(1)
        with pytest.raises(Rejected) as e:
            rules.check_withdraw(0)
        assert code_of(e) == "no_vote_to_withdraw"


class TestNoteText:
    def test_trims_and_keeps_inner_newlines(self):
        assert rules.note_text("  riga 1\r\nriga 2 \n") == "riga 1\nriga 2"

    def test_empty_after_trim(self):
        with pytest.raises(Rejected) as e:
            rules.note_text(" \n\t ")
        assert code_of(e) == "note_empty"

    def test_length_limit_counts_characters_not_bytes(self):
        assert rules.note_text("è" * rules.NOTE_MAX_CHARS) == "è" * rules.NOTE_MAX_CHARS
        with pytest.raises(Rejected) as e:
            rules.note_text("è" * (rules.NOTE_MAX_CHARS + 1))
        assert code_of(e) == "note_too_long"
        assert e.value.params == {"limit": rules.NOTE_MAX_CHARS}

    def test_control_characters_removed(self):
        assert rules.note_text("a\x00b\x1bc\u200bd") == "abcd"

    def test_kind_must_be_allowed_in_session(self):
        assert rules.note_kind("caso") == "caso"
        with pytest.raises(Rejected) as e:
            rules.note_kind("caso", allowed=("problema", "proposta"))
        assert code_of(e) == "note_kind_invalid"


class TestPseudonym:
    def test_collapses_spaces(self):
        assert rules.pseudonym("  Anna   Maria ") == "Anna Maria"

    @pytest.mark.parametrize("raw", ["A", " ", "x" * 41])
    def test_bounds(self, raw):
        with pytest.raises(Rejected) as e:
            rules.pseudonym(raw)
        assert code_of(e) == "pseudonym_invalid"

    def test_key_ignores_case_and_unicode_form(self):
        assert rules.pseudonym_key("ANNA") == rules.pseudonym_key("anna")
        assert rules.pseudonym_key("Niccolò") == rules.pseudonym_key("Niccolo\u0300")


class TestOwnership:
    def test_only_author(self):
        rules.check_author(7, 7)
        with pytest.raises(Rejected) as e:
            rules.check_author(7, 8)
        assert code_of(e) == "not_note_author"


class TestJoinCode:
    def test_generated_codes_are_six_digits_not_starting_with_zero(self):
        for _ in range(200):
            code = joincode.generate()
            assert len(code) == 6 and code.isdigit() and code[0] != "0"

    @pytest.mark.parametrize(
        "typed,expected",
        [
            ("824022", "824022"),
            ("824 022", "824022"),
            (" 824-022 ", "824022"),
            ("824.022", "824022"),
            ("82402", None),
            ("8240222", None),
            ("abc123", None),
            ("", None),
            ("８２４０２２", None),
        ],
    )
    def test_normalize(self, typed, expected):
        assert joincode.normalize(typed) == expected

    def test_display_groups_digits(self):
        assert joincode.display("824022") == "824 022"


class TestErrors:
    def test_every_message_is_italian_text_with_its_params(self):
        e = Rejected("vote_cap_reached", cap=2)
        assert e.message() == "Hai già dato il massimo di 2 punti a questo contributo."

    def test_unknown_code_is_a_programming_error(self):
        with pytest.raises(ValueError):
            Rejected("no_such_code")

    def test_messages_format_with_their_documented_params(self):
        """Each message formats with exactly the params it names, and every place
        that raises it passes them: a missing one would turn the person's message
        into a KeyError at the moment they most need it."""
        import ast
        import re
        from pathlib import Path

        def wanted(message):
            return set(re.findall(r"%\((\w+)\)", message))

        for code, message in MESSAGES.items():
            params = {name: f"<{name}>" for name in wanted(message)}
            text = Rejected(code, **params).message()
            assert "%(" not in text and all(v in text for v in params.values()), code
        raised = 0
        for path in (Path(__file__).parents[2] / "workshop").rglob("*.py"):
            for call in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (
                    isinstance(call, ast.Call)
                    and getattr(call.func, "id", None) == "Rejected"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    continue
                if any(k.arg is None for k in call.keywords):
                    continue  # **params passed through from elsewhere
                raised += 1
                code = call.args[0].value
                given = {k.arg for k in call.keywords} - {"details"}
                assert code in MESSAGES, f"{path.name}:{call.lineno} {code}"
                assert given == wanted(MESSAGES[code]), f"{path.name}:{call.lineno} {code}: {given}"
        assert raised > 50  # the walk found the raises
