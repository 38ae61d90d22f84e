from __future__ import annotations

from django.http import HttpRequest

from coopilote.access import Action, can, grants_for
from coopilote.accounts.models import Role
from coopilote.tenancy import current_cae, in_public_schema
from frontend.commerce import may_see_clients
from frontend.indicators import may_see_indicators


def may_see_local_committees(user: object) -> bool:
    """CAE staff run the local committees; partners read the ones they sit on."""
    cae = current_cae()
    if can(user, Action.COMMITTEE_LOCAL_MANAGE, cae=cae):
        return True
    return any(Role.PARTNER in roles for roles in grants_for(user, cae).cohort_roles.values())


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know about the site it is served on."""
    tenant = getattr(request, "tenant", None)
    return {
        "cae_site": tenant,
        "is_national_site": in_public_schema(),
        # A callable: templates call it only where the navigation asks (one cached query).
        "may_see_clients": lambda: may_see_clients(request.user, current_cae()),
        "may_configure": lambda: can(request.user, Action.CAE_SETTINGS, cae=current_cae()),
        "may_keep_books": lambda: can(request.user, Action.LEDGER_VIEW, cae=current_cae()),
        "may_see_local_committees": lambda: may_see_local_committees(request.user),
        "may_see_indicators": lambda: may_see_indicators(request.user, current_cae()),
        # The audit trail: a CAE's admins on its site, the coordination on the national site.
        "may_audit": lambda: can(
            request.user,
            Action.NETWORK_AUDIT_VIEW if in_public_schema() else Action.AUDIT_VIEW,
            cae=current_cae(),
        ),
        # Season reports: reviewed on the national site, written on a CAE's.
        "may_see_reports": lambda: can(
            request.user,
            Action.REPORT_REVIEW if in_public_schema() else Action.REPORT_SUBMIT,
            cae=current_cae(),
        ),
    }
