"""Rules about staff accounts: who must sign in with a second factor, and who
may change which account from the admin's page.

Plain Python like every rule: `services/accounts.py` applies them, the web
adapters only ask (which buttons to show).
"""

from __future__ import annotations

from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, ALLARGATA, FACILITATOR, RISTRETTA, UFFICIO_PIANO

# Roles that reach the accounts or the plan's decisions: a password alone is
# not enough. For facilitators the admin decides, account by account.
SECOND_FACTOR_ROLES = frozenset({ADMIN, UFFICIO_PIANO, RISTRETTA, ALLARGATA})

# What the admin may do to an account (web/auth.py's admin page).
DEACTIVATE = "disattiva"
REACTIVATE = "riattiva"
RESET_PASSWORD = "password"  # noqa: S105 - an action's name, not a password
RESET_SECOND_FACTOR = "azzera-due-fattori"
REQUIRE_SECOND_FACTOR = "richiedi-due-fattori"
WAIVE_SECOND_FACTOR = "non-richiedere-due-fattori"
ACCOUNT_ACTIONS = (
    DEACTIVATE,
    REACTIVATE,
    RESET_PASSWORD,
    RESET_SECOND_FACTOR,
    REQUIRE_SECOND_FACTOR,
    WAIVE_SECOND_FACTOR,
)


def second_factor_required(role: str, required_by_admin: bool) -> bool:
    return role in SECOND_FACTOR_ROLES or required_by_admin


def check_account_action(
    actor_role: str, actor_id: int, action: str, target_id: int, target_role: str
) -> None:
    """Whether an admin may do `action` to an account; raises `Rejected` if not.

    Never to one's own account: an admin must not lock themselves out by
    mistake, nor skip the current password that "Il mio account" asks for.
    """
    if actor_role != ADMIN or action not in ACCOUNT_ACTIONS:
        raise Rejected("forbidden")
    if actor_id == target_id:
        raise Rejected("own_account")
    if action in (REQUIRE_SECOND_FACTOR, WAIVE_SECOND_FACTOR) and target_role != FACILITATOR:
        raise Rejected("second_factor_always_required")


def may_turn_off_second_factor(role: str, required_by_admin: bool) -> bool:
    """Anyone may add a second factor for themselves; only those not required to
    have one may take it away."""
    return not second_factor_required(role, required_by_admin)
