"""Who may do what: the one place where permission decisions are made, for API and UI alike.

Roles are memberships (public schema): a person is CAE admin or staff of a CAE, animateur·rice
or coopérant·e of given cohorts of a CAE, or national coordinator. Every check names the CAE it
is about, so a role in one CAE never opens another one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coopilote.accounts.models import Membership, Role


class Action(StrEnum):
    NETWORK_VIEW = "network.view"  # national pages: the CAEs, aggregated figures
    CAE_REGISTER = "cae.register"  # create and onboard a CAE
    CAE_VIEW = "cae.view"  # a CAE's site: its cohorts, without personal data
    CAE_MANAGE_TEAM = "cae.manage_team"  # invite admins and staff
    COHORT_CREATE = "cohort.create"
    COHORT_VIEW = "cohort.view"
    COHORT_MANAGE = "cohort.manage"  # edit, lifecycle, animateurs
    MEMBER_VIEW = "member.view"  # members' personal data
    MEMBER_MANAGE = "member.manage"  # enrol, withdraw, guardians, outcomes
    COMMITTEE_MANAGE = "committee.manage"
    COMMERCE_VIEW = "commerce.view"  # a cohort's services; the CAE's clients (any cohort)
    COMMERCE_MANAGE = "commerce.manage"  # price services, record clients, quotes and jobs
    BILLING_PREPARE = "billing.prepare"  # draft a cohort's invoices and submit them to the CAE
    BILLING_ISSUE = "billing.issue"  # validate and issue invoices, credit notes, payments received
    CAE_SETTINGS = "cae.settings"  # the CAE's own settings (e.g. invoice numbering)
    # The CAE's books (ledger, FEC): CAE admins and staff only. A cohort's P&L and unpaid
    # invoices are read with COMMERCE_VIEW on that cohort (docs/ledger.md).
    LEDGER_VIEW = "ledger.view"
    PURCHASE_REQUEST = "purchase.request"  # a cohort asks for a purchase, with its receipt
    PURCHASE_DECIDE = "purchase.decide"  # CAE staff approve or refuse, pay and book it
    PAY_PREPARE = "pay.prepare"  # a cohort decides how its result is shared among its members
    PAY_EXPORT = "pay.export"  # CAE staff export the payroll file
    GOVERNANCE_VIEW = "governance.view"  # a cohort's meetings, proposals and decisions
    GOVERNANCE_MANAGE = "governance.manage"  # hold meetings, open and close votes
    VOTE = "governance.vote"  # cast one's own vote (coopérant·es of the cohort)
    TRAINING_VIEW = "training.view"
    TRAINING_MANAGE = "training.manage"  # sessions, attendance
    # A cohort's activity as aggregates (jobs, clients count, revenue, trainings, vote results,
    # skills progress): everyone who follows the cohort, committee partners included.
    ACTIVITY_VIEW = "activity.view"
    SKILL_GRID_MANAGE = "skills.grid"  # the network's skills grid (national coordination)
    SKILL_ASSESS = "skills.assess"  # fill in one's own self-assessment (coopérant·es)
    SKILL_REVIEW = "skills.review"  # read members' assessments and review them with them
    COMMITTEE_LOCAL_MANAGE = "local_committee.manage"  # a CAE's steering committees, partners
    # The national indicators: the coordinator for the network, CAE staff for their CAE,
    # animateur·rices and committee partners for their cohorts (aggregates, small groups masked).
    INDICATORS_VIEW = "indicators.view"
    # Season reports: CAE admins and staff write and submit their cohorts' reports; the
    # national coordination approves them or sends them back.
    REPORT_SUBMIT = "reports.submit"
    REPORT_REVIEW = "reports.review"
    # The audit trail (who changed what, when, from where): CAE admins for their CAE; the
    # national coordination for the grants of roles (public schema), on the national site.
    AUDIT_VIEW = "audit.view"
    NETWORK_AUDIT_VIEW = "network_audit.view"


ALL_COHORTS = None  # scope value: every cohort of the CAE

# Actions that can be granted on a single cohort (the others are CAE-wide or national).
COHORT_LEVEL_ACTIONS = frozenset(
    {
        Action.COHORT_VIEW,
        Action.COHORT_MANAGE,
        Action.MEMBER_VIEW,
        Action.MEMBER_MANAGE,
        Action.COMMITTEE_MANAGE,
        Action.COMMERCE_VIEW,
        Action.COMMERCE_MANAGE,
        Action.BILLING_PREPARE,
        Action.PURCHASE_REQUEST,
        Action.PAY_PREPARE,
        Action.GOVERNANCE_VIEW,
        Action.GOVERNANCE_MANAGE,
        Action.VOTE,
        Action.TRAINING_VIEW,
        Action.TRAINING_MANAGE,
        Action.ACTIVITY_VIEW,
        Action.SKILL_ASSESS,
        Action.SKILL_REVIEW,
        Action.INDICATORS_VIEW,
    }
)

# Never granted CAE-wide: the network's own actions, and what only a coopérant·e does for
# themself (one member, one vote; one's own self-assessment).
_NOT_CAE_WIDE = frozenset(
    {
        Action.NETWORK_VIEW,
        Action.CAE_REGISTER,
        Action.SKILL_GRID_MANAGE,
        Action.VOTE,
        Action.SKILL_ASSESS,
        Action.REPORT_REVIEW,
        Action.NETWORK_AUDIT_VIEW,
    }
)

# What each CAE-wide role may do in its CAE, on every cohort of it.
_CAE_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.CAE_ADMIN: frozenset(Action) - _NOT_CAE_WIDE,
    Role.CAE_STAFF: frozenset(Action)
    - _NOT_CAE_WIDE
    - {Action.CAE_MANAGE_TEAM, Action.CAE_SETTINGS, Action.AUDIT_VIEW},
}
# What each cohort role may do, on its own cohort only (plus CAE_VIEW on the CAE's site).
_COHORT_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ANIMATEUR: frozenset(
        {
            Action.CAE_VIEW,
            Action.COHORT_VIEW,
            Action.MEMBER_VIEW,
            Action.COMMITTEE_MANAGE,
            Action.COMMERCE_VIEW,
            Action.COMMERCE_MANAGE,
            Action.BILLING_PREPARE,
            Action.PURCHASE_REQUEST,
            Action.PAY_PREPARE,
            Action.GOVERNANCE_VIEW,
            Action.GOVERNANCE_MANAGE,
            Action.TRAINING_VIEW,
            Action.TRAINING_MANAGE,
            Action.ACTIVITY_VIEW,
            Action.SKILL_REVIEW,
            Action.INDICATORS_VIEW,
        }
    ),
    # Coopérant·es run their cooperative: they choose its services and prices, sell, plan the
    # work and prepare its invoices (their finance committee); the CAE issues them.
    Role.MEMBER: frozenset(
        {
            Action.CAE_VIEW,
            Action.COHORT_VIEW,
            Action.COMMERCE_VIEW,
            Action.COMMERCE_MANAGE,
            Action.BILLING_PREPARE,
            Action.PURCHASE_REQUEST,
            Action.GOVERNANCE_VIEW,
            Action.VOTE,
            Action.TRAINING_VIEW,
            Action.ACTIVITY_VIEW,
            Action.SKILL_ASSESS,
        }
    ),
    # Partners of a local steering committee follow the cohorts it supports, read-only, through
    # aggregates: never members' personal data beyond first names.
    Role.PARTNER: frozenset(
        {Action.CAE_VIEW, Action.COHORT_VIEW, Action.ACTIVITY_VIEW, Action.INDICATORS_VIEW}
    ),
}
# The coordinator follows everything without opening personal data.
_COORDINATOR_ACTIONS = frozenset(
    {
        Action.NETWORK_VIEW,
        Action.CAE_REGISTER,
        Action.CAE_VIEW,
        Action.COHORT_VIEW,
        Action.ACTIVITY_VIEW,
        Action.SKILL_GRID_MANAGE,
        Action.INDICATORS_VIEW,
        Action.REPORT_REVIEW,
        Action.NETWORK_AUDIT_VIEW,
    }
)


@dataclass(frozen=True)
class Grants:
    """A person's roles in one CAE (or on the network when `cae_id` is None)."""

    is_coordinator: bool = False
    cae_roles: frozenset[str] = frozenset()
    cohort_roles: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def cae_wide_actions(self) -> frozenset[Action]:
        actions: set[Action] = set(_COORDINATOR_ACTIONS) if self.is_coordinator else set()
        for role in self.cae_roles:
            actions |= _CAE_ROLE_ACTIONS[role]
        return frozenset(actions)

    def cohort_actions(self, cohort_id: int) -> frozenset[Action]:
        actions: set[Action] = set()
        for role in self.cohort_roles.get(cohort_id, ()):
            actions |= _COHORT_ROLE_ACTIONS[role]
        return frozenset(actions)


def grants_for(user: Any, cae: Any | None) -> Grants:
    """The person's roles relevant to `cae` (one query, cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants()
    cache: dict[int | None, Grants] = user.__dict__.setdefault("_coopilote_grants", {})
    cae_id = getattr(cae, "pk", None) if cae is not None and cae.kind == "cae" else None
    if cae_id not in cache:
        cae_roles: set[str] = set()
        cohort_roles: dict[int, set[str]] = {}
        if cae_id is not None:
            for role, cohort_id in (
                Membership.objects.active()
                .filter(user=user, cae_id=cae_id)
                .values_list("role", "cohort_id")
            ):
                if cohort_id is None:
                    cae_roles.add(role)
                else:
                    cohort_roles.setdefault(cohort_id, set()).add(role)
        cache[cae_id] = Grants(
            is_coordinator=bool(user.is_coordinator),
            cae_roles=frozenset(cae_roles),
            cohort_roles={cohort: frozenset(roles) for cohort, roles in cohort_roles.items()},
        )
    return cache[cae_id]


def can(user: Any, action: Action, *, cae: Any | None, cohort_id: int | None = None) -> bool:
    """Whether `user` may do `action` in `cae` (None: the network), on `cohort_id` if given."""
    grants = grants_for(user, cae)
    if action in grants.cae_wide_actions():
        return True
    if cae is None or cae.kind != "cae":
        return False
    if cohort_id is not None:
        return action in grants.cohort_actions(cohort_id)
    if action == Action.CAE_VIEW:
        return any(grants.cohort_roles.values())
    return False


class Refusal(StrEnum):
    FORBIDDEN = "forbidden"  # the person sees the cohort but may not do this: 403
    NOT_FOUND = "not_found"  # the person may not even see it: 404, its existence stays hidden


def cohort_refusal(user: Any, action: Action, *, cae: Any | None, cohort_id: int) -> Refusal | None:
    """Why `user` may not do `action` on this cohort of `cae`, or None when they may."""
    if can(user, action, cae=cae, cohort_id=cohort_id):
        return None
    if can(user, Action.COHORT_VIEW, cae=cae, cohort_id=cohort_id):
        return Refusal.FORBIDDEN
    return Refusal.NOT_FOUND


def local_committee_refusal(
    user: Any, *, cae: Any | None, seated: bool, write: bool
) -> Refusal | None:
    """Why `user` may not read (or, with `write`, change) a local committee of `cae`.

    CAE admins and staff run their CAE's committees; the partners who currently sit on one
    (`seated`, told by the caller) read it; nobody else even learns that it exists.
    """
    if can(user, Action.COMMITTEE_LOCAL_MANAGE, cae=cae):
        return None
    if seated:
        return Refusal.FORBIDDEN if write else None
    return Refusal.NOT_FOUND


def cohort_scope(user: Any, action: Action, *, cae: Any) -> frozenset[int] | None:
    """The cohorts of `cae` on which `user` may do `action`: ALL_COHORTS (None) or their ids."""
    grants = grants_for(user, cae)
    if action in grants.cae_wide_actions():
        return ALL_COHORTS
    return frozenset(
        cohort_id for cohort_id in grants.cohort_roles if action in grants.cohort_actions(cohort_id)
    )


__all__ = [
    "ALL_COHORTS",
    "COHORT_LEVEL_ACTIONS",
    "Action",
    "Grants",
    "can",
    "cohort_scope",
    "grants_for",
    "local_committee_refusal",
]
