"""Members (coopérant·es), guardians, enrolments and committees of a CAE's cohorts.

Personal data goes only to people with `member.view` on the cohort (the CAE's staff, the
cohort's animateur·rices); an object outside what the person may see answers 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, can, cohort_scope
from tenants.people.models import (
    CommitteeKind,
    CommitteeSeat,
    Consent,
    ConsentPurpose,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Member,
    Outcome,
    StatusAtEntry,
)
from tenants.people.privacy import (
    consent_record,
    consent_withdraw,
    member_erase,
    member_export,
    personal_data_settings_get,
    personal_data_settings_update,
)
from tenants.people.selectors import (
    committee_get,
    committee_list,
    enrolment_get,
    enrolment_list,
    member_get,
    member_list,
)
from tenants.people.services import (
    committee_create,
    committee_seat_assign,
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_create,
    member_enrol,
    member_update,
)

# --- Serializers ---------------------------------------------------------------------------


class GuardianOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    relationship = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.EmailField()
    authorisation_signed_on = serializers.DateField()
    has_authorisation = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()

    @extend_schema_field(serializers.BooleanField())
    def get_has_authorisation(self, guardian: Any) -> bool:
        return bool(guardian.authorisation_file)


class MemberEnrolmentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    enrolled_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)


class MemberOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    postcode = serializers.CharField()
    qpv_resident = serializers.BooleanField()
    status_at_entry = serializers.ChoiceField(choices=StatusAtEntry.choices)
    email = serializers.EmailField()
    phone = serializers.CharField()
    emergency_contact_name = serializers.CharField()
    emergency_contact_phone = serializers.CharField()
    created_at = serializers.DateTimeField()
    enrolments = MemberEnrolmentOutputSerializer(many=True)
    guardians = GuardianOutputSerializer(many=True)


class MemberInputSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    postcode = serializers.CharField()
    qpv_resident = serializers.BooleanField()
    status_at_entry = serializers.ChoiceField(choices=StatusAtEntry.choices)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    emergency_contact_name = serializers.CharField(max_length=150)
    emergency_contact_phone = serializers.CharField(max_length=20)


class GuardianInputSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=200)
    relationship = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    authorisation_file = serializers.FileField()
    authorisation_signed_on = serializers.DateField()


class MemberBriefOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class EnrolmentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    member = MemberBriefOutputSerializer()
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    enrolled_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)
    withdrawal_reason = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True)
    outcome_detail = serializers.CharField()
    outcome_recorded_on = serializers.DateField(allow_null=True)


class EnrolmentInputSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField(min_value=1)
    enrolled_on = serializers.DateField()


class WithdrawalInputSerializer(serializers.Serializer[Any]):
    withdrawn_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class OutcomeInputSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    detail = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    recorded_on = serializers.DateField()


class CommitteeSeatOutputSerializer(serializers.Serializer[Any]):
    """A seat; the holder's first name only for people who may see the cohort's members."""

    id = serializers.IntegerField()
    committee = serializers.IntegerField(source="committee_id")
    enrolment = serializers.IntegerField(source="enrolment_id")
    first_name = serializers.SerializerMethodField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_first_name(self, seat: CommitteeSeat) -> str | None:
        if not self.context.get("show_names", False):
            return None
        return seat.enrolment.member.first_name


class CommitteeOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    kind = serializers.ChoiceField(choices=CommitteeKind.choices)
    name = serializers.CharField()
    seats = CommitteeSeatOutputSerializer(many=True)


class CommitteeInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=CommitteeKind.choices)
    name = serializers.CharField(max_length=100)


class CommitteeSeatInputSerializer(serializers.Serializer[Any]):
    enrolment = serializers.IntegerField(min_value=1)
    starts_on = serializers.DateField()


class ConsentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class ConsentInputSerializer(serializers.Serializer[Any]):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given_on = serializers.DateField()


class ConsentWithdrawInputSerializer(serializers.Serializer[Any]):
    withdrawn_on = serializers.DateField()


class ErasureInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)
    confirm = serializers.BooleanField()

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Confirmez l'effacement, qui est définitif."))
        return value


class ErasureOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    erased_at = serializers.DateTimeField()
    reason = serializers.CharField()


class PersonalDataSettingsSerializer(serializers.Serializer[Any]):
    social_data_retention_months = serializers.IntegerField(min_value=1, max_value=120)


# --- Access helpers: the decisions are coopilote.access's, these only turn them into 403/404 ---


def _require_cae_wide(request: Request, action: Action) -> None:
    """Refuse unless the person may do `action` on the whole CAE (its staff, its admins)."""
    if not can(request.user, action, cae=site_of(request)):
        raise PermissionDenied


def _member_or_404(request: Request, member_id: int, action: Action) -> Member:
    """The member; 404 if the person cannot see them, 403 if they can but may not do `action`."""
    cae = site_of(request)
    member = member_get(user=request.user, cae=cae, member_id=member_id)
    if member is None:
        raise NotFound
    if action != Action.MEMBER_VIEW:
        member = member_get(user=request.user, cae=cae, member_id=member_id, action=action)
        if member is None:
            raise PermissionDenied
    return member


def _seat_context(request: Request, cohort_id: int) -> dict[str, bool]:
    show = can(request.user, Action.MEMBER_VIEW, cae=site_of(request), cohort_id=cohort_id)
    return {"show_names": show}


# --- Views ---------------------------------------------------------------------------------


class MemberListApi(APIView):
    """The members the person may see; the CAE's staff record new ones."""

    required_actions = {"GET": Action.MEMBER_VIEW, "POST": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=MemberOutputSerializer(many=True), tags=["members"])
    def get(self, request: Request) -> Response:
        cae = site_of(request)
        if cohort_scope(request.user, Action.MEMBER_VIEW, cae=cae) == frozenset():
            raise PermissionDenied  # a role on the CAE's site, but on no cohort's members
        members = member_list(user=request.user, cae=cae)
        return Response(MemberOutputSerializer(members, many=True).data)

    @extend_schema(
        request=MemberInputSerializer, responses={201: MemberOutputSerializer}, tags=["members"]
    )
    def post(self, request: Request) -> Response:
        _require_cae_wide(request, Action.MEMBER_MANAGE)
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = member_create(**serializer.validated_data)
        return Response(MemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    """One member, with their enrolments (in the person's cohorts) and legal guardians."""

    required_actions = {"GET": Action.MEMBER_VIEW, "PATCH": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=MemberOutputSerializer, tags=["members"])
    def get(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_VIEW)
        return Response(MemberOutputSerializer(member).data)

    @extend_schema(
        request=MemberInputSerializer(partial=True),
        responses=MemberOutputSerializer,
        tags=["members"],
    )
    def patch(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_MANAGE)
        serializer = MemberInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        member_update(member=member, changes=serializer.validated_data)
        member = _member_or_404(request, member_id, Action.MEMBER_VIEW)  # scoped enrolments
        return Response(MemberOutputSerializer(member).data)


class MemberGuardianListApi(APIView):
    """Record a legal guardian of a minor, with the signed authorisation (multipart)."""

    required_actions = {"POST": Action.MEMBER_MANAGE}
    cohort_scoped = True
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": GuardianInputSerializer},
        responses={201: GuardianOutputSerializer},
        tags=["members"],
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_MANAGE)
        serializer = GuardianInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        guardian = guardian_record(member=member, **serializer.validated_data)
        return Response(GuardianOutputSerializer(guardian).data, status=status.HTTP_201_CREATED)


class CohortEnrolmentListApi(APIView):
    """A cohort's enrolments; enrolling a member checks the programme's rules and the places."""

    required_actions = {"GET": Action.MEMBER_VIEW, "POST": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=EnrolmentOutputSerializer(many=True), tags=["enrolments"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort_or_404(request, Action.MEMBER_VIEW, cohort_id)
        enrolments = enrolment_list(cohort_id=cohort_id)
        return Response(EnrolmentOutputSerializer(enrolments, many=True).data)

    @extend_schema(
        request=EnrolmentInputSerializer,
        responses={201: EnrolmentOutputSerializer},
        tags=["enrolments"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.MEMBER_MANAGE, cohort_id)
        serializer = EnrolmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = member_get(
            user=request.user,
            cae=site_of(request),
            member_id=serializer.validated_data["member"],
            action=Action.MEMBER_MANAGE,
        )
        if member is None:
            raise ValidationError({"member": [_("Cette personne n'existe pas.")]})
        enrolment = member_enrol(
            member=member, cohort=cohort, enrolled_on=serializer.validated_data["enrolled_on"]
        )
        return Response(EnrolmentOutputSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class _EnrolmentActionApi(APIView):
    required_actions = {"POST": Action.MEMBER_MANAGE}
    cohort_scoped = True

    def _enrolment(self, request: Request, enrolment_id: int) -> Enrolment:
        enrolment = enrolment_get(enrolment_id=enrolment_id)
        if enrolment is None:
            raise NotFound
        require_cohort(request, Action.MEMBER_MANAGE, enrolment.cohort_id)
        return enrolment


class EnrolmentWithdrawApi(_EnrolmentActionApi):
    """Record that a member left the cohort, with the reason; frees their place."""

    @extend_schema(
        request=WithdrawalInputSerializer, responses=EnrolmentOutputSerializer, tags=["enrolments"]
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self._enrolment(request, enrolment_id)
        serializer = WithdrawalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = enrolment_withdraw(
            enrolment=enrolment,
            withdrawn_on=serializer.validated_data["withdrawn_on"],
            reason=serializer.validated_data["reason"],
        )
        return Response(EnrolmentOutputSerializer(enrolment).data)


class EnrolmentOutcomeApi(_EnrolmentActionApi):
    """Record where the member went after the cohort."""

    @extend_schema(
        request=OutcomeInputSerializer, responses=EnrolmentOutputSerializer, tags=["enrolments"]
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self._enrolment(request, enrolment_id)
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = enrolment_record_outcome(
            enrolment=enrolment,
            outcome=serializer.validated_data["outcome"],
            detail=serializer.validated_data["detail"],
            recorded_on=serializer.validated_data["recorded_on"],
        )
        return Response(EnrolmentOutputSerializer(enrolment).data)


class CohortCommitteeListApi(APIView):
    """A cohort's committees and who sits (or sat) on them."""

    required_actions = {"GET": Action.COHORT_VIEW, "POST": Action.COMMITTEE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=CommitteeOutputSerializer(many=True), tags=["committees"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort_or_404(request, Action.COHORT_VIEW, cohort_id)
        committees = committee_list(cohort_id=cohort_id)
        context = _seat_context(request, cohort_id)
        return Response(CommitteeOutputSerializer(committees, many=True, context=context).data)

    @extend_schema(
        request=CommitteeInputSerializer,
        responses={201: CommitteeOutputSerializer},
        tags=["committees"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMITTEE_MANAGE, cohort_id)
        serializer = CommitteeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        committee = committee_create(cohort=cohort, **serializer.validated_data)
        return Response(CommitteeOutputSerializer(committee).data, status=status.HTTP_201_CREATED)


class CommitteeSeatListApi(APIView):
    """Seat a member on a committee; their seat on another committee of the cohort ends."""

    required_actions = {"POST": Action.COMMITTEE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=CommitteeSeatInputSerializer,
        responses={201: CommitteeSeatOutputSerializer},
        tags=["committees"],
    )
    def post(self, request: Request, committee_id: int) -> Response:
        committee = committee_get(committee_id=committee_id)
        if committee is None:
            raise NotFound
        require_cohort(request, Action.COMMITTEE_MANAGE, committee.cohort_id)
        serializer = CommitteeSeatInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = enrolment_get(
            enrolment_id=serializer.validated_data["enrolment"], cohort_id=committee.cohort_id
        )
        if enrolment is None:
            raise ValidationError(
                {"enrolment": [_("Cette inscription n'existe pas dans cette coopérative.")]}
            )
        seat = committee_seat_assign(
            committee=committee,
            enrolment=enrolment,
            starts_on=serializer.validated_data["starts_on"],
        )
        context = _seat_context(request, committee.cohort_id)
        return Response(
            CommitteeSeatOutputSerializer(seat, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class MemberExportApi(APIView):
    """Everything the CAE holds about a member (RGPD right of access), for its staff."""

    required_actions = {"GET": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(responses={200: dict}, tags=["members"])
    def get(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_VIEW)
        _require_cae_wide(request, Action.MEMBER_MANAGE)
        return Response(member_export(member=member).as_json())


class MemberEraseApi(APIView):
    """Anonymise a member (RGPD right to erasure): the CAE's admins only, with a reason."""

    required_actions = {"POST": Action.CAE_SETTINGS}

    @extend_schema(
        request=ErasureInputSerializer, responses={200: ErasureOutputSerializer}, tags=["members"]
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_VIEW)
        serializer = ErasureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = member_erase(
            member=member, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(ErasureOutputSerializer(record).data)


class MemberConsentListApi(APIView):
    """A member's consents, with their dates; the CAE's staff record new ones."""

    required_actions = {"GET": Action.MEMBER_VIEW, "POST": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ConsentOutputSerializer(many=True), tags=["members"])
    def get(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_VIEW)
        return Response(ConsentOutputSerializer(member.consents.all(), many=True).data)

    @extend_schema(
        request=ConsentInputSerializer, responses={201: ConsentOutputSerializer}, tags=["members"]
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = _member_or_404(request, member_id, Action.MEMBER_MANAGE)
        serializer = ConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_record(member=member, by=request.user, **serializer.validated_data)
        return Response(ConsentOutputSerializer(consent).data, status=status.HTTP_201_CREATED)


class ConsentWithdrawApi(APIView):
    """Record the withdrawal of a consent (the record stays, with both dates)."""

    required_actions = {"POST": Action.MEMBER_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=ConsentWithdrawInputSerializer,
        responses=ConsentOutputSerializer,
        tags=["members"],
    )
    def post(self, request: Request, consent_id: int) -> Response:
        consent = Consent.objects.filter(pk=consent_id).first()
        if consent is None:
            raise NotFound
        _member_or_404(request, consent.member_id, Action.MEMBER_MANAGE)
        serializer = ConsentWithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_withdraw(consent=consent, **serializer.validated_data)
        return Response(ConsentOutputSerializer(consent).data)


class PersonalDataSettingsApi(APIView):
    """How long the CAE keeps members' social data after their last cohort (months)."""

    required_actions = {"GET": Action.CAE_SETTINGS, "PATCH": Action.CAE_SETTINGS}

    @extend_schema(responses=PersonalDataSettingsSerializer, tags=["members"])
    def get(self, request: Request) -> Response:
        return Response(PersonalDataSettingsSerializer(personal_data_settings_get()).data)

    @extend_schema(
        request=PersonalDataSettingsSerializer,
        responses=PersonalDataSettingsSerializer,
        tags=["members"],
    )
    def patch(self, request: Request) -> Response:
        serializer = PersonalDataSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = personal_data_settings_update(**serializer.validated_data)
        return Response(PersonalDataSettingsSerializer(row).data)


urlpatterns: list[URLPattern] = [
    path("members/", MemberListApi.as_view(), name="member-list"),
    path("members/<int:member_id>/", MemberDetailApi.as_view(), name="member-detail"),
    path("members/<int:member_id>/export/", MemberExportApi.as_view(), name="member-export"),
    path("members/<int:member_id>/erase/", MemberEraseApi.as_view(), name="member-erase"),
    path(
        "members/<int:member_id>/consents/",
        MemberConsentListApi.as_view(),
        name="member-consent-list",
    ),
    path(
        "consents/<int:consent_id>/withdraw/",
        ConsentWithdrawApi.as_view(),
        name="consent-withdraw",
    ),
    path(
        "personal-data/settings/",
        PersonalDataSettingsApi.as_view(),
        name="personal-data-settings",
    ),
    path(
        "members/<int:member_id>/guardians/",
        MemberGuardianListApi.as_view(),
        name="member-guardian-list",
    ),
    path(
        "cohorts/<int:cohort_id>/enrolments/",
        CohortEnrolmentListApi.as_view(),
        name="cohort-enrolment-list",
    ),
    path(
        "enrolments/<int:enrolment_id>/withdraw/",
        EnrolmentWithdrawApi.as_view(),
        name="enrolment-withdraw",
    ),
    path(
        "enrolments/<int:enrolment_id>/outcome/",
        EnrolmentOutcomeApi.as_view(),
        name="enrolment-outcome",
    ),
    path(
        "cohorts/<int:cohort_id>/committees/",
        CohortCommitteeListApi.as_view(),
        name="cohort-committee-list",
    ),
    path(
        "committees/<int:committee_id>/seats/",
        CommitteeSeatListApi.as_view(),
        name="committee-seat-list",
    ),
]
