"""DRF's side of `coopilote.access`: the same decisions as the web pages."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from coopilote.access import COHORT_LEVEL_ACTIONS, Action, Refusal, can, cohort_refusal
from coopilote.tenancy import current_cae
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_get


def site_of(request: Request) -> Any | None:
    """The CAE the request is about, or None on the national site."""
    return current_cae()


class ActionPermission(BasePermission):
    """Allows the request when the person may do the view's `required_action` in this CAE
    (or on the network); cohort-level checks are the view's, through `require_cohort()`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actions: dict[str, Action] = getattr(view, "required_actions", {})
        action = actions.get(request.method or "GET") or actions.get("*")
        if action is None:
            return False
        site = site_of(request)
        if can(request.user, action, cae=site):
            return True
        # A cohort-level action with cohort roles only: the view narrows to the person's
        # cohorts (lists) or checks the cohort at hand (details), with require_cohort().
        return (
            site is not None
            and getattr(view, "cohort_scoped", False)
            and action in COHORT_LEVEL_ACTIONS
            and can(request.user, Action.CAE_VIEW, cae=site)
        )


def require_cohort(request: Request, action: Action, cohort_id: int) -> None:
    """Refuse unless the person may do `action` on this cohort of this CAE.

    A cohort the person cannot even see answers 404, so that its existence does not leak.
    """
    refusal = cohort_refusal(request.user, action, cae=site_of(request), cohort_id=cohort_id)
    if refusal == Refusal.FORBIDDEN:
        raise PermissionDenied
    if refusal == Refusal.NOT_FOUND:
        raise NotFound


def cohort_or_404(request: Request, action: Action, cohort_id: int) -> Cohort:
    """The cohort of this CAE the person may do `action` on (404 unseen, 403 seen only)."""
    require_cohort(request, action, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise NotFound
    return cohort
