"""Local steering committees on a CAE's site, and a cohort's activity in figures.

Same rules as api/v1/committees.py: CAE admins and staff (COMMITTEE_LOCAL_MANAGE) run the
committees; the partners who sit on one read it, and the activity of the cohorts it supports;
any POST of theirs is refused (403). The national site lists the network's partner organisations.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coopilote.access import Action, Refusal, can, local_committee_refusal
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.committee_forms import (
    CommitteeDecisionForm,
    CommitteeMeetingForm,
    CommitteeMinutesForm,
    LocalCommitteeForm,
    SeatForm,
    SupportedCohortsForm,
)
from frontend.forms import form_add_errors
from network.committees.models import CommitteeMeeting, LocalCommittee, PartnerPerson, Seat
from network.committees.selectors import (
    committee_meeting_get,
    committee_meetings,
    committee_seats,
    local_committee_get,
    local_committee_list,
    organisation_list,
    partner_seated,
)
from network.committees.services import (
    committee_decision_record,
    committee_meeting_record,
    committee_meeting_update,
    local_committee_cohorts_set,
    local_committee_create,
    local_committee_dissolve,
    partner_seat,
    seat_end,
)
from tenants.cohorts.activity import cohort_activity
from tenants.cohorts.selectors import cohort_get, cohort_list


def _cae() -> Any:
    """This site's CAE: these pages exist on CAE sites only."""
    return site_cae()


def _may_manage(request: HttpRequest) -> bool:
    return can(request.user, Action.COMMITTEE_LOCAL_MANAGE, cae=_cae())


def _cohort_choices() -> list[tuple[int, str]]:
    return [(cohort.pk, cohort.name) for cohort in cohort_list()]


def _committee_or_404(request: HttpRequest, committee_id: int) -> LocalCommittee:
    """The committee, if the person may read it; any POST needs the right to run it."""
    cae = _cae()
    committee = local_committee_get(cae=cae, committee_id=committee_id)
    if committee is None:
        raise Http404
    refusal = local_committee_refusal(
        request.user,
        cae=cae,
        seated=partner_seated(committee=committee, user=request.user),
        write=request.method == "POST",
    )
    if refusal == Refusal.NOT_FOUND:
        raise Http404
    if refusal == Refusal.FORBIDDEN:
        raise PermissionDenied
    return committee


def _seated_people(committee: LocalCommittee) -> QuerySet[PartnerPerson]:
    """Everyone who sat or sits on the committee (attendance of past meetings included)."""
    return (
        PartnerPerson.objects.filter(seats__committee=committee)
        .distinct()
        .order_by("last_name", "first_name")
    )


@require(Action.CAE_VIEW)
def local_committee_index(request: HttpRequest) -> HttpResponse:
    """The CAE's committees (a partner: the ones they sit on) and the form to create one."""
    may_manage = _may_manage(request)
    choices = _cohort_choices()
    form = LocalCommitteeForm(request.POST if request.method == "POST" else None, cohorts=choices)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                committee = local_committee_create(
                    cae=_cae(),
                    name=form.cleaned_data["name"],
                    cohort_ids=form.cleaned_data["cohorts"],
                )
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("Le comité local est créé."))
                return redirect("frontend:local-committee-detail", committee_id=committee.pk)
    committees = list(local_committee_list(cae=_cae(), user=None if may_manage else request.user))
    if not committees and not may_manage:
        raise PermissionDenied
    names = dict(choices)
    context = {
        "committees": [
            (committee, [names.get(row.cohort_id, "") for row in committee.supported_cohorts.all()])
            for committee in committees
        ],
        "may_manage": may_manage,
        "form": form,
    }
    return render(
        request, "frontend/local_committee_index.html", context, status=400 if form.errors else 200
    )


def _detail_step(
    request: HttpRequest, committee: LocalCommittee, forms: dict[str, Any]
) -> str | None:
    """Do the POSTed step; return a success message, or None when its form shows errors."""
    step = request.POST.get("step")
    if step == "dissolve":
        local_committee_dissolve(committee=committee)
        return _("Le comité est dissous ; ses partenaires n'ont plus accès aux coopératives.")
    if step == "end_seat":
        seat_id = request.POST.get("seat", "")
        seat = (
            Seat.objects.filter(committee=committee, pk=int(seat_id)).first()
            if seat_id.isdigit()
            else None
        )
        if seat is None:
            raise Http404
        seat_end(seat=seat)
        return _("La personne a quitté le comité ; son accès aux coopératives est retiré.")
    form = forms.get(step or "")
    if form is None:
        raise Http404
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if step == "cohorts":
        local_committee_cohorts_set(committee=committee, cohort_ids=data["cohorts"])
        return _("Les coopératives suivies sont à jour.")
    if step == "seat":
        partner_seat(
            committee=committee,
            organisation={
                "name": data["organisation_name"],
                "kind": data["organisation_kind"],
                "town": data["organisation_town"],
                "siret": data["organisation_siret"],
            },
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            job_title=data["job_title"],
            joined_on=data["joined_on"],
        )
        return _("La personne siège au comité ; elle reçoit son invitation par e-mail.")
    committee_meeting_record(
        committee=committee,
        held_on=data["held_on"],
        agenda=data["agenda"],
        minutes=data["minutes"],
        attendee_ids=[person.pk for person in data["attendees"]],
    )
    return _("La réunion est enregistrée.")


@require(Action.CAE_VIEW)
def local_committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = _committee_or_404(request, committee_id)
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step") if data else None
    supported = [row.cohort_id for row in committee.supported_cohorts.all()]
    choices = _cohort_choices()
    forms: dict[str, Any] = {
        "cohorts": SupportedCohortsForm(
            data if step == "cohorts" else None,
            cohorts=choices,
            initial={"cohorts": supported},
        ),
        "seat": SeatForm(data if step == "seat" else None, prefix="seat"),
        "meeting": CommitteeMeetingForm(
            data if step == "meeting" else None,
            prefix="meeting",
            people=_seated_people(committee),
        ),
    }
    if data is not None:
        try:
            message = _detail_step(request, committee, forms)
        except ApplicationError as error:
            if step not in forms:
                messages.error(request, error.message)
                return redirect("frontend:local-committee-detail", committee_id=committee.pk)
            form_add_errors(forms[step], error)
        else:
            if message is not None:
                messages.success(request, message)
                return redirect("frontend:local-committee-detail", committee_id=committee.pk)
    names = dict(choices)
    context = {
        "committee": committee,
        "cohorts": [(cohort_id, names.get(cohort_id, "")) for cohort_id in supported],
        "seats": committee_seats(committee=committee),
        "meetings": committee_meetings(committee=committee),
        "may_manage": _may_manage(request) and committee.dissolved_on is None,
        "forms": forms,
    }
    failed = any(form.errors for form in forms.values())
    return render(
        request, "frontend/local_committee_detail.html", context, status=400 if failed else 200
    )


@require(Action.CAE_VIEW)
def local_committee_meeting(
    request: HttpRequest, committee_id: int, meeting_id: int
) -> HttpResponse:
    committee = _committee_or_404(request, committee_id)
    meeting: CommitteeMeeting | None = committee_meeting_get(
        committee=committee, meeting_id=meeting_id
    )
    if meeting is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step") if data else None
    minutes_form = CommitteeMinutesForm(
        data if step == "minutes" else None,
        people=_seated_people(committee),
        initial={"minutes": meeting.minutes, "attendees": list(meeting.attendees.all())},
    )
    decision_form = CommitteeDecisionForm(data if step == "decision" else None, prefix="decision")
    if data is not None:
        form = {"minutes": minutes_form, "decision": decision_form}.get(step or "")
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if form is minutes_form:
                    committee_meeting_update(
                        meeting=meeting,
                        minutes=form.cleaned_data["minutes"],
                        attendee_ids=[person.pk for person in form.cleaned_data["attendees"]],
                    )
                    message = _("Le compte rendu est enregistré.")
                else:
                    committee_decision_record(
                        meeting=meeting, text=form.cleaned_data["text"], by=request.user
                    )
                    message = _("La décision est inscrite au compte rendu.")
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, message)
                return redirect(
                    "frontend:local-committee-meeting",
                    committee_id=committee.pk,
                    meeting_id=meeting.pk,
                )
    context = {
        "committee": committee,
        "meeting": meeting,
        "may_manage": _may_manage(request),
        "minutes_form": minutes_form,
        "decision_form": decision_form,
    }
    failed = bool(minutes_form.errors or decision_form.errors)
    return render(
        request, "frontend/local_committee_meeting.html", context, status=400 if failed else 200
    )


@require_safe
@require(Action.CAE_VIEW)
def cohort_activity_page(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's activity in figures: what its committee partners follow."""
    require_cohort(request, Action.ACTIVITY_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    context = {"cohort": cohort, "activity": cohort_activity(cohort_id=cohort.pk)}
    return render(request, "frontend/cohort_activity.html", context)


@require_safe
@require(Action.NETWORK_VIEW)
def partner_organisation_index(request: HttpRequest) -> HttpResponse:
    """The network's partner organisations, kept once for every CAE (national site)."""
    search = request.GET.get("q", "").strip()
    context = {"organisations": organisation_list(search=search), "search": search}
    return render(request, "frontend/partner_organisation_index.html", context)
