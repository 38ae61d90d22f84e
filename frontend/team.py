"""The team of a CAE's site: who has a role, and inviting people by email."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.accounts.models import Role
from coopilote.errors import ApplicationError
from frontend.access import require, site_cae
from frontend.forms import InvitationForm, form_add_errors
from network.registry.selectors import cae_team
from network.registry.services import TEAM_ROLES, cae_team_invite
from tenants.cohorts.selectors import cohort_list


@require(Action.COHORT_MANAGE)
def team(request: HttpRequest) -> HttpResponse:
    cae: Any = site_cae()
    admin = can(request.user, Action.CAE_MANAGE_TEAM, cae=cae)
    roles = [
        (role.value, str(role.label)) for role in TEAM_ROLES if admin or role == Role.ANIMATEUR
    ]
    form = InvitationForm(request.POST or None, roles=roles, cohorts=cohort_list())
    if request.method == "POST" and form.is_valid():
        cohort = form.cleaned_data["cohort"]
        try:
            cae_team_invite(
                cae=cae,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                cohort_id=cohort.pk if cohort else None,
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("L'invitation part par e-mail."))
            return redirect("frontend:team")
    cohort_names: dict[int | None, str] = dict(cohort_list().values_list("pk", "name"))
    return render(
        request,
        "frontend/team.html",
        {
            "team": [
                (membership, cohort_names.get(membership.cohort_id))
                for membership in cae_team(cae=cae)
            ],
            "form": form,
        },
        status=400 if form.errors else 200,
    )
