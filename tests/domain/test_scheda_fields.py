"""The scheda's fields as the district files them (domain/scheda.py), pure."""

import pytest

from workshop.domain import scheda
from workshop.domain.errors import Rejected

YEARS = (2018, 2019, 2020)
CTX = scheda.Context(
    years=YEARS,
    regional={"6": "Progetto di vita, Vita indipendente e Dopo di noi"},
    schede=frozenset({1, 2, 3}),
    self_id=1,
)


class TestMoney:
    @pytest.mark.parametrize(
        ("typed", "cents"),
        [
            ("95.000", 9_500_000),
            ("95000", 9_500_000),
            ("95.000,50", 9_500_050),
            ("€ 1.200", 120_000),
            ("1.234.567,8", 123_456_780),
            ("0,05", 5),
            ("  ", None),
            ("", None),
            ("20.000 €", 2_000_000),
        ],
    )
    def test_amounts_as_italians_write_them(self, typed, cents):
        assert scheda.parse_euro(typed, "Preventivo") == cents

    @pytest.mark.parametrize("typed", ["1.50", "95,000.00", "-10", "dieci", "1,234", "95.00.0"])
    def test_ambiguous_or_wrong_amounts_are_refused_not_guessed(self, typed):
        with pytest.raises(Rejected) as e:
            scheda.parse_euro(typed, "Preventivo")
        assert e.value.code == "amount_invalid"

    def test_written_as_money(self):
        assert scheda.euro(9_500_000) == "€ 95.000,00"
        assert scheda.euro(123_456_789) == "€ 1.234.567,89"
        assert scheda.amount(5) == "0,05" and scheda.decimal_text(9_500_050) == "95000.50"

    def test_totals_are_integer_sums(self):
        # 0.1 + 0.2 in floats is 0.30000000000000004: cents never are.
        budget = scheda.clean(
            "preventivo",
            {
                "importi": {
                    "fondo_sociale_locale": {"2019": "0,10"},
                    "quota_comuni": {"2019": "0,20", "2020": "15.000"},
                    "frna": {"2019": "35.000"},
                },
                "note": "",
            },
            CTX,
        )
        totals = scheda.budget_totals(budget, YEARS)
        assert totals.by_year == {2018: 0, 2019: 3_500_030, 2020: 1_500_000}
        assert totals.total == 5_000_030 and scheda.euro(totals.total) == "€ 50.000,30"
        assert [r[0] for r in totals.rows] == ["fondo_sociale_locale", "quota_comuni", "frna"]


class TestClean:
    def test_a_year_outside_the_period_or_an_unknown_source_is_refused(self):
        for bad in ({"importi": {"frna": {"2031": "1"}}}, {"importi": {"lotteria": {"2019": "1"}}}):
            with pytest.raises(Rejected) as e:
                scheda.clean("preventivo", bad, CTX)
            assert e.value.code == "field_invalid"

    def test_choices_come_from_the_form(self):
        assert scheda.clean("capofila", {"tipo": "ausl", "specifica": " AUSL di Reggio Emilia "}, CTX) == {
            "tipo": "ausl",
            "specifica": "AUSL di Reggio Emilia",
        }
        assert scheda.clean(
            "ambito", {"tipo": "sub_distrettuale", "comuni": ["Albinea", "Reggio nell'Emilia"]}, CTX
        ) == {"tipo": "sub_distrettuale", "comuni": ["Reggio nell'Emilia", "Albinea"]}
        assert scheda.clean("ambito", {"tipo": "distrettuale", "comuni": ["Albinea"]}, CTX)["comuni"] == []
        for name, value in (
            ("capofila", {"tipo": "regione"}),
            ("continuita", "forse"),
            ("ambito", {"tipo": "distrettuale", "comuni": ["Parma"]}),
        ):
            with pytest.raises(Rejected):
                scheda.clean(name, value, CTX)

    def test_regional_references_take_their_title_from_the_list(self):
        assert scheda.clean("rif_regionale", ["6"], CTX) == [
            {"numero": "6", "titolo": "Progetto di vita, Vita indipendente e Dopo di noi"}
        ]
        with pytest.raises(Rejected) as e:
            scheda.clean("rif_regionale", ["99"], CTX)
        assert e.value.code == "regional_unknown"
        # A reference already saved stays, even if the admin has since taken it off the list.
        kept = [{"numero": "40", "titolo": "Una scheda tolta dall'elenco"}]
        assert scheda.clean("rif_regionale", kept, CTX) == kept

    def test_links_only_to_other_schede_of_the_plan(self):
        assert scheda.clean("collegate", {"schede": ["3", 2, 3], "testo": "Formazione"}, CTX) == {
            "schede": [2, 3],
            "testo": "Formazione",
        }
        for ids in ([1], [9], ["x"]):
            with pytest.raises(Rejected) as e:
                scheda.clean("collegate", {"schede": ids}, CTX)
            assert e.value.code == "linked_scheda_invalid"

    def test_actions_and_indicators_drop_empty_rows(self):
        assert scheda.clean(
            "azioni", [{"testo": " Protocollo ", "periodo": "mesi 1–4"}, {"testo": "", "periodo": ""}], CTX
        ) == [{"testo": "Protocollo", "periodo": "mesi 1–4"}]
        rows = scheda.clean(
            "indicatori",
            [
                {
                    "descrizione": "Pazienti segnalati entro 48 h",
                    "partenza": "da rilevare",
                    "obiettivi": {"2019": "≥ 70%", "2020": ""},
                    "fonte": "AUSL",
                    "periodicita": "trimestrale",
                },
                {"descrizione": "", "partenza": "", "obiettivi": {}, "fonte": "", "periodicita": ""},
            ],
            CTX,
        )
        assert rows == [
            {
                "descrizione": "Pazienti segnalati entro 48 h",
                "partenza": "da rilevare",
                "obiettivi": {"2019": "≥ 70%"},
                "fonte": "AUSL",
                "periodicita": "trimestrale",
            }
        ]


def test_the_first_shape_of_a_scheda_still_reads():
    old = {
        "titolo": "Vecchia",
        "area_prevalente": "A",
        "altre_aree": ["E"],
        "razionale": "R",
        "azioni": "1. Primo passo\n   con un seguito\n2. Secondo passo",
        "attori": "",
        "risorse": "- Volontari",
        "capofila": "AUSL di Reggio Emilia",
        "preventivo": "Totale € 95.000",
        "indicatori": [{"indicatore": "Riammissioni", "baseline": "14%", "target": "10%", "fonte": "AUSL"}],
        "tracciabilita": {"clusters": [{"cluster_id": 2, "session_id": 1}]},
    }
    new = scheda.normalize(old, YEARS)
    assert new["schema"] == scheda.SCHEMA and new["titolo"] == "Vecchia"
    assert new["capofila"] == {"tipo": "", "specifica": "AUSL di Reggio Emilia"}
    assert new["preventivo"] == {"importi": {}, "note": "Totale € 95.000"}
    assert new["azioni"] == [
        {"testo": "Primo passo\ncon un seguito", "periodo": ""},
        {"testo": "Secondo passo", "periodo": ""},
    ]
    assert new["indicatori"] == [
        {
            "descrizione": "Riammissioni",
            "partenza": "14%",
            "obiettivi": {"2020": "10%"},
            "fonte": "AUSL",
            "periodicita": "",
        }
    ]
    assert new["tracciabilita"]["origine"] == "laboratori" and new["community_lab"] == ""
    assert new["collegate"] == {"schede": [], "testo": ""} and new["referenti"] == ""
    assert scheda.normalize(new, YEARS) == new  # reading it again changes nothing


def test_the_public_view_has_no_referenti():
    content = scheda.empty()
    content["referenti"] = "Mario Rossi, 0522 000000"
    assert "referenti" not in scheda.public(content)


def test_period_from_the_process_or_its_title():
    assert scheda.period(2018, 2020) == (2018, 2019, 2020)
    assert scheda.period(None, None, "Piano di Zona 2021-2023") == (2021, 2022, 2023)
    assert scheda.period(None, None, "Piano") == ()
