"""The "Journal d'audit" page: on a CAE's site, its CAE admins read who changed what, when and
from where (AUDIT_VIEW); on the national site, the coordination reads the grants of roles of
the network (NETWORK_AUDIT_VIEW). Filters: kind, account, member concerned, period."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from coopilote.access import Action
from coopilote.accounts.models import User
from coopilote.audit.selectors import AuditFilters, audit_kinds, audit_log
from frontend.access import require, site_cae
from frontend.forms import DateInput
from tenants.people.selectors import member_choices

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Quoi"), required=False)
    user = forms.EmailField(
        label=_("Par (adresse e-mail du compte)"), required=False, max_length=254
    )
    member = forms.TypedChoiceField(
        label=_("Coopérant·e concerné·e"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Au"), required=False, widget=DateInput())

    def __init__(self, *args: Any, cae: Any | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tout")), *audit_kinds(cae=cae)]  # type: ignore[attr-defined]
        if cae is None:
            del self.fields["member"]
        else:
            self.fields["member"].choices = [("", _("Tous et toutes")), *member_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("since", _("La période commence après sa fin."))
        email = data.get("user")
        if email:
            user = User.objects.filter(email__iexact=email).only("pk").first()
            if user is None:
                self.add_error("user", _("Aucun compte n'a cette adresse."))
            else:
                data["user_id"] = user.pk
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            kind=data.get("kind") or None,
            user_id=data.get("user_id"),
            member_id=data.get("member"),
            since=data.get("since"),
            until=data.get("until"),
        )


def _journal(request: HttpRequest, cae: Any | None) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, cae=cae)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters() if form.is_bound and valid else AuditFilters()
    page = Paginator(audit_log(cae=cae, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {"form": form, "page": page, "query": urlencode(kept), "cae": cae}
    return render(request, "frontend/audit_journal.html", context, status=200 if valid else 400)


@require(Action.AUDIT_VIEW)
def audit_journal(request: HttpRequest) -> HttpResponse:
    """The CAE's audit trail, newest first."""
    return _journal(request, site_cae())


@require(Action.NETWORK_AUDIT_VIEW)
def network_audit_journal(request: HttpRequest) -> HttpResponse:
    """The grants and withdrawals of roles across the network, newest first."""
    return _journal(request, None)
