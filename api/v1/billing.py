"""Invoices, credit notes and payments; the CAE's numbering settings.

A cohort prepares its invoices (animateur·rices and coopérant·es: its finance committee) and
submits them; CAE staff validate and issue them under the CAE's identity, record payments and
issue credit notes. An invoice of a cohort the person cannot see answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, cohort_scope
from coopilote.documents import pdf_response
from tenants.billing.documents import invoice_preview_pdf
from tenants.billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentMethod,
)
from tenants.billing.selectors import invoice_balance, invoice_get, invoice_list
from tenants.billing.services import (
    CreditLine,
    credit_note_issue,
    credit_note_pdf_archive,
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_from_jobs,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_pdf_archive,
    invoice_return_to_draft,
    invoice_send,
    invoice_submit,
    numbering_settings_get,
    numbering_settings_update,
    payment_record,
)
from tenants.commerce.selectors import client_get


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)


# --- Serializers ---------------------------------------------------------------------------


class InvoiceLineOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.CharField()
    unit_price_excl_vat = serializers.DecimalField(max_digits=10, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1)
    job = serializers.IntegerField(source="job_id", allow_null=True)


class CreditNoteOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    reason = serializers.CharField()
    issued_on = serializers.DateField()
    total_excl_vat = _money()
    total_vat = _money()
    total_incl_vat = _money()
    lines = InvoiceLineOutputSerializer(many=True, read_only=True)


class PaymentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    amount = _money()
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()


class BalanceSerializer(serializers.Serializer[Any]):
    settlement = serializers.CharField()
    settlement_label = serializers.CharField(source="label")
    total = _money()
    credited = _money()
    paid = _money()
    outstanding = _money()


_BALANCE = BalanceSerializer()


class InvoiceSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    number = serializers.CharField()
    sale_date = serializers.DateField()
    issued_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    total_excl_vat = _money()
    total_vat = _money()
    total_incl_vat = _money()
    balance = serializers.SerializerMethodField()

    @extend_schema_field(BalanceSerializer)
    def get_balance(self, invoice: Invoice) -> dict[str, Any]:
        # One serializer for every row: building one per invoice (its fields deep-copied each
        # time) was most of a list's cost.
        return _BALANCE.to_representation(invoice_balance(invoice=invoice))


class InvoiceDetailSerializer(InvoiceSummarySerializer):
    payment_terms_days = serializers.IntegerField()
    late_penalty_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    seller = serializers.JSONField()
    buyer = serializers.JSONField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    lines = InvoiceLineOutputSerializer(many=True, read_only=True)
    credit_notes = CreditNoteOutputSerializer(many=True, read_only=True)
    payments = PaymentOutputSerializer(many=True, read_only=True)


class InvoiceCreateSerializer(serializers.Serializer[Any]):
    """Either a client and a sale date (lines added afterwards), or jobs done to invoice."""

    client = serializers.IntegerField(required=False)
    sale_date = serializers.DateField(required=False)
    jobs = serializers.ListField(child=serializers.IntegerField(), required=False, min_length=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "jobs" in attrs:
            if "client" in attrs or "sale_date" in attrs:
                raise ValidationError(
                    _("Donnez soit des prestations réalisées, soit un client et une date.")
                )
        elif "client" not in attrs or "sale_date" not in attrs:
            raise ValidationError(_("Indiquez le client et la date de la prestation."))
        return attrs


class InvoiceLineInputSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=4)
    unit = serializers.CharField(max_length=10)
    unit_price_excl_vat = serializers.DecimalField(max_digits=14, decimal_places=4)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1)


class InvoiceIssueSerializer(serializers.Serializer[Any]):
    issued_on = serializers.DateField()


class InvoiceSendSerializer(serializers.Serializer[Any]):
    recipient = serializers.EmailField(required=False)


class PaymentInputSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=4)
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CreditNoteInputSerializer(serializers.Serializer[Any]):
    """Without `lines`, the whole invoice is credited."""

    reason = serializers.CharField(max_length=300)
    issued_on = serializers.DateField()
    lines = InvoiceLineInputSerializer(many=True, required=False)


class NumberingSerializer(serializers.Serializer[Any]):
    invoice_template = serializers.CharField(max_length=60)
    credit_note_template = serializers.CharField(max_length=60)


# --- Access helpers ----------------------------------------------------------------------


def _invoice_or_404(request: Request, invoice_id: int, action: Action) -> Invoice:
    invoice = invoice_get(invoice_id=invoice_id)
    if invoice is None:
        raise NotFound
    require_cohort(request, action, invoice.cohort_id)  # 404 unseen, 403 seen only
    return invoice


def _detail(invoice_id: int) -> dict[str, Any]:
    return InvoiceDetailSerializer(invoice_get(invoice_id=invoice_id)).data


PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}

# --- Views ---------------------------------------------------------------------------------


class CohortInvoiceListApi(APIView):
    """A cohort's invoices; its finance committee starts new ones (from jobs done or blank)."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(responses=InvoiceSummarySerializer(many=True), tags=["invoices"])
    def get(self, request: Request, cohort_id: int) -> Response:
        require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
        invoices = invoice_list(user=request.user, cae=site_of(request), cohort_id=cohort_id)
        return Response(InvoiceSummarySerializer(invoices, many=True).data)

    @extend_schema(
        request=InvoiceCreateSerializer,
        responses={201: InvoiceDetailSerializer},
        tags=["invoices"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.BILLING_PREPARE, cohort_id)
        serializer = InvoiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "jobs" in data:
            invoice = invoice_draft_from_jobs(cohort=cohort, job_ids=data["jobs"])
        else:
            client = client_get(client_id=data["client"])
            if client is None:
                raise ValidationError({"client": [_("Ce client n'existe pas.")]})
            invoice = invoice_draft_create(
                cohort=cohort, client=client, sale_date=data["sale_date"]
            )
        return Response(_detail(invoice.pk), status=status.HTTP_201_CREATED)


class InvoiceListApi(APIView):
    """Every invoice the person may see in the CAE, e.g. `?status=submitted`: those to validate."""

    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=InvoiceSummarySerializer(many=True), tags=["invoices"])
    def get(self, request: Request) -> Response:
        if cohort_scope(request.user, Action.COMMERCE_VIEW, cae=site_of(request)) == frozenset():
            raise PermissionDenied
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in InvoiceStatus.values:
            raise ValidationError({"status": [_("Statut inconnu.")]})
        invoices = invoice_list(user=request.user, cae=site_of(request), status=wanted)
        return Response(InvoiceSummarySerializer(invoices, many=True).data)


class InvoiceDetailApi(APIView):
    """One invoice with its lines, credit notes, payments and what is left to pay."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "DELETE": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(responses=InvoiceDetailSerializer, tags=["invoices"])
    def get(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.COMMERCE_VIEW)
        return Response(InvoiceDetailSerializer(invoice).data)

    @extend_schema(responses={204: None}, tags=["invoices"])
    def delete(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_PREPARE)
        invoice_draft_delete(invoice=invoice)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoiceLineListApi(APIView):
    required_actions = {"POST": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(
        request=InvoiceLineInputSerializer,
        responses={201: InvoiceDetailSerializer},
        tags=["invoices"],
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_PREPARE)
        serializer = InvoiceLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice_line_add(invoice=invoice, **serializer.validated_data)
        return Response(_detail(invoice.pk), status=status.HTTP_201_CREATED)


class InvoiceLineDetailApi(APIView):
    required_actions = {"DELETE": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(responses=InvoiceDetailSerializer, tags=["invoices"])
    def delete(self, request: Request, invoice_id: int, line_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_PREPARE)
        line = InvoiceLine.objects.filter(invoice=invoice, pk=line_id).first()
        if line is None:
            raise NotFound
        invoice_line_remove(line=line)
        return Response(_detail(invoice.pk))


class InvoiceSubmitApi(APIView):
    """The cohort hands its draft to the CAE for validation."""

    required_actions = {"POST": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(request=None, responses=InvoiceDetailSerializer, tags=["invoices"])
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_PREPARE)
        invoice_submit(invoice=invoice, by=request.user)
        return Response(_detail(invoice.pk))


class InvoiceReturnApi(APIView):
    """CAE staff give a submitted invoice back to the cohort for corrections."""

    required_actions = {"POST": Action.BILLING_ISSUE}

    @extend_schema(request=None, responses=InvoiceDetailSerializer, tags=["invoices"])
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_ISSUE)
        invoice_return_to_draft(invoice=invoice)
        return Response(_detail(invoice.pk))


class InvoiceIssueApi(APIView):
    """CAE staff issue the invoice: number, totals, parties frozen for good."""

    required_actions = {"POST": Action.BILLING_ISSUE}

    @extend_schema(
        request=InvoiceIssueSerializer, responses=InvoiceDetailSerializer, tags=["invoices"]
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_ISSUE)
        serializer = InvoiceIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice_issue(invoice=invoice, by=request.user, **serializer.validated_data)
        return Response(_detail(invoice.pk))


class InvoiceSendApi(APIView):
    """Email an issued invoice to the client (PDF + link), by a background task."""

    required_actions = {"POST": Action.BILLING_PREPARE}
    cohort_scoped = True

    @extend_schema(
        request=InvoiceSendSerializer, responses={202: InvoiceDetailSerializer}, tags=["invoices"]
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_PREPARE)
        serializer = InvoiceSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice_send(
            invoice=invoice, by=request.user, recipient=serializer.validated_data.get("recipient")
        )
        return Response(_detail(invoice.pk), status=status.HTTP_202_ACCEPTED)


class InvoicePdfApi(APIView):
    """The invoice as PDF/A-3 with its Factur-X data; a draft gives a marked preview."""

    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=PDF_RESPONSE, tags=["invoices"])
    def get(self, request: Request, invoice_id: int) -> HttpResponse:
        invoice = _invoice_or_404(request, invoice_id, Action.COMMERCE_VIEW)
        if invoice.status == InvoiceStatus.ISSUED:
            return pdf_response(
                invoice_pdf_archive(invoice=invoice), f"Facture-{invoice.number}.pdf"
            )
        return pdf_response(invoice_preview_pdf(invoice=invoice), f"Brouillon-{invoice.pk}.pdf")


class InvoicePaymentListApi(APIView):
    """Money received for an issued invoice (transfer, cheque, cash…), recorded by CAE staff."""

    required_actions = {"POST": Action.BILLING_ISSUE}

    @extend_schema(
        request=PaymentInputSerializer, responses={201: InvoiceDetailSerializer}, tags=["invoices"]
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_ISSUE)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment_record(invoice=invoice, by=request.user, **serializer.validated_data)
        return Response(_detail(invoice.pk), status=status.HTTP_201_CREATED)


class InvoiceCreditNoteListApi(APIView):
    """Correct an issued invoice with a credit note (the whole of it without `lines`)."""

    required_actions = {"POST": Action.BILLING_ISSUE}

    @extend_schema(
        request=CreditNoteInputSerializer,
        responses={201: CreditNoteOutputSerializer},
        tags=["invoices"],
    )
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = _invoice_or_404(request, invoice_id, Action.BILLING_ISSUE)
        serializer = CreditNoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = [CreditLine(**line) for line in data["lines"]] if "lines" in data else None
        note = credit_note_issue(
            invoice=invoice,
            by=request.user,
            reason=data["reason"],
            issued_on=data["issued_on"],
            lines=lines,
        )
        return Response(CreditNoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)


class CreditNotePdfApi(APIView):
    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=PDF_RESPONSE, tags=["invoices"])
    def get(self, request: Request, credit_note_id: int) -> HttpResponse:
        note = CreditNote.objects.select_related("invoice").filter(pk=credit_note_id).first()
        if note is None:
            raise NotFound
        require_cohort(request, Action.COMMERCE_VIEW, note.invoice.cohort_id)
        return pdf_response(credit_note_pdf_archive(credit_note=note), f"Avoir-{note.number}.pdf")


class NumberingApi(APIView):
    """How the CAE numbers its invoices and credit notes (its admins change it)."""

    required_actions = {"GET": Action.CAE_SETTINGS, "PUT": Action.CAE_SETTINGS}

    @extend_schema(responses=NumberingSerializer, tags=["settings"])
    def get(self, request: Request) -> Response:
        return Response(NumberingSerializer(numbering_settings_get()).data)

    @extend_schema(request=NumberingSerializer, responses=NumberingSerializer, tags=["settings"])
    def put(self, request: Request) -> Response:
        serializer = NumberingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        settings = numbering_settings_update(**serializer.validated_data)
        return Response(NumberingSerializer(settings).data)


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/invoices/",
        CohortInvoiceListApi.as_view(),
        name="cohort-invoice-list",
    ),
    path("invoices/", InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/<int:invoice_id>/", InvoiceDetailApi.as_view(), name="invoice-detail"),
    path(
        "invoices/<int:invoice_id>/lines/", InvoiceLineListApi.as_view(), name="invoice-line-list"
    ),
    path(
        "invoices/<int:invoice_id>/lines/<int:line_id>/",
        InvoiceLineDetailApi.as_view(),
        name="invoice-line-detail",
    ),
    path("invoices/<int:invoice_id>/submit/", InvoiceSubmitApi.as_view(), name="invoice-submit"),
    path("invoices/<int:invoice_id>/return/", InvoiceReturnApi.as_view(), name="invoice-return"),
    path("invoices/<int:invoice_id>/issue/", InvoiceIssueApi.as_view(), name="invoice-issue"),
    path("invoices/<int:invoice_id>/send/", InvoiceSendApi.as_view(), name="invoice-send"),
    path("invoices/<int:invoice_id>/pdf/", InvoicePdfApi.as_view(), name="invoice-pdf"),
    path(
        "invoices/<int:invoice_id>/payments/",
        InvoicePaymentListApi.as_view(),
        name="invoice-payment-list",
    ),
    path(
        "invoices/<int:invoice_id>/credit-notes/",
        InvoiceCreditNoteListApi.as_view(),
        name="invoice-credit-note-list",
    ),
    path(
        "credit-notes/<int:credit_note_id>/pdf/",
        CreditNotePdfApi.as_view(),
        name="credit-note-pdf",
    ),
    path("settings/numbering/", NumberingApi.as_view(), name="numbering"),
]
