"""The register of personal data of Coopilote, every schema included (see docs/personal-data.md).

Members' data lives in people; their traces elsewhere (hours, attendance, pay lines, votes,
assessments) point to the member row and hold no name of their own, so anonymising the member
anonymises them. A new field whose name suggests personal data must be added here (or to the
"not personal" list), else tests/tenants/people/test_personal_data.py fails.
"""

from __future__ import annotations

from django.apps import apps

from coopilote.audit import audit_copies, audit_copies_not_personal
from coopilote.personal_data import Category as C  # noqa: N817  (a table: short names)
from coopilote.personal_data import PersonalField as F
from coopilote.personal_data import Retention as R  # noqa: N817
from coopilote.personal_data import registry

registry.register(
    # --- Members (coopérant·es) -------------------------------------------------------------
    F("people.Member.first_name", C.IDENTITY, R.ERASED, "« Anonyme »"),
    F("people.Member.last_name", C.IDENTITY, R.ERASED, "« Anonyme »"),
    F("people.Member.birth_date", C.SOCIAL, R.GENERALISED, "1er janvier de l'année"),
    F("people.Member.gender", C.SOCIAL, R.KEPT_STATISTICS),
    F("people.Member.postcode", C.SOCIAL, R.GENERALISED, "département + 000"),
    F("people.Member.qpv_resident", C.SOCIAL, R.KEPT_STATISTICS),
    F("people.Member.status_at_entry", C.SOCIAL, R.KEPT_STATISTICS),
    F("people.Member.email", C.CONTACT, R.ERASED),
    F("people.Member.phone", C.CONTACT, R.ERASED),
    F("people.Member.emergency_contact_name", C.CONTACT, R.ERASED),
    F("people.Member.emergency_contact_phone", C.CONTACT, R.ERASED),
    F("people.Member.user", C.IDENTITY, R.ERASED, "lien vers le compte retiré"),
    F("people.Guardian.full_name", C.IDENTITY, R.ERASED),
    F("people.Guardian.phone", C.CONTACT, R.ERASED),
    F("people.Guardian.email", C.CONTACT, R.ERASED),
    F("people.Guardian.relationship", C.IDENTITY, R.KEPT_LEGAL_CLAIMS, "preuve datée"),
    F("people.Guardian.authorisation_file", C.DOCUMENT, R.ERASED, "fichier supprimé"),
    F("people.Guardian.authorisation_signed_on", C.IDENTITY, R.KEPT_LEGAL_CLAIMS),
    F("people.Enrolment.withdrawal_reason", C.FREE_TEXT, R.ERASED),
    F("people.Enrolment.outcome_detail", C.FREE_TEXT, R.ERASED),
    F("people.Enrolment.outcome", C.SOCIAL, R.KEPT_STATISTICS),
    F("people.Consent.purpose", C.IDENTITY, R.KEPT_LEGAL_CLAIMS),
    F("people.Consent.given_on", C.IDENTITY, R.KEPT_LEGAL_CLAIMS),
    F("people.Consent.withdrawn_on", C.IDENTITY, R.KEPT_LEGAL_CLAIMS),
    F("people.ErasureRecord.reason", C.FREE_TEXT, R.KEPT_LEGAL_CLAIMS, "sans donnée personnelle"),
    # --- Traces of members elsewhere in the CAE's schema -----------------------------------
    F("commerce.JobAssignment.member", C.FINANCIAL, R.KEPT_PAYROLL, "heures travaillées"),
    F("pay.PayLine.member", C.FINANCIAL, R.KEPT_PAYROLL, "ligne figée une fois décidée"),
    F("trainings.Attendance.member", C.SOCIAL, R.KEPT_STATISTICS),
    F("governance.Attendance.member", C.SOCIAL, R.KEPT_STATISTICS),
    F("governance.Elector.member", C.SOCIAL, R.KEPT_STATISTICS, "registre des votes"),
    F("governance.Participation.member", C.SOCIAL, R.KEPT_STATISTICS, "registre des votes"),
    F("governance.Ballot.member", C.SOCIAL, R.KEPT_STATISTICS, "vote à main levée"),
    F("skills.SkillAssessment.enrolment", C.SOCIAL, R.KEPT_STATISTICS),
    F(
        "skills.SkillAssessment.review_comment",
        C.FREE_TEXT,
        R.KEPT_STATISTICS,
        "figé une fois revu",
    ),
    F("showcase.FirstNameConsent.member", C.IDENTITY, R.KEPT_LEGAL_CLAIMS),
    # --- Clients and their contacts (business data; individuals are persons too) ------------
    F("commerce.Client.name", C.IDENTITY, R.BUSINESS),
    F("commerce.Client.address", C.CONTACT, R.BUSINESS),
    F("commerce.Client.postcode", C.CONTACT, R.BUSINESS),
    F("commerce.Client.city", C.CONTACT, R.BUSINESS),
    F("commerce.Client.email", C.CONTACT, R.BUSINESS),
    F("commerce.Client.phone", C.CONTACT, R.BUSINESS),
    F("commerce.ClientContact.full_name", C.IDENTITY, R.BUSINESS),
    F("commerce.ClientContact.email", C.CONTACT, R.BUSINESS),
    F("commerce.ClientContact.phone", C.CONTACT, R.BUSINESS),
    F("commerce.Quote.recipient_email", C.CONTACT, R.BUSINESS),
    F("commerce.Quote.notes", C.FREE_TEXT, R.BUSINESS),
    F("commerce.Quote.answer_comment", C.FREE_TEXT, R.BUSINESS),
    F("commerce.Job.notes", C.FREE_TEXT, R.BUSINESS),
    F("billing.Invoice.buyer", C.IDENTITY, R.KEPT_INVOICES, "identité figée de l'acheteur"),
    F("billing.CreditNote.buyer", C.IDENTITY, R.KEPT_INVOICES, "identité figée de l'acheteur"),
    F("billing.InvoiceDispatch.recipient", C.CONTACT, R.KEPT_INVOICES),
    F("billing.InvoiceReminder.recipient", C.CONTACT, R.KEPT_INVOICES),
    F("showcase.QuoteRequest.name", C.IDENTITY, R.BUSINESS),
    F("showcase.QuoteRequest.email", C.CONTACT, R.BUSINESS),
    F("showcase.QuoteRequest.phone", C.CONTACT, R.BUSINESS),
    F("showcase.QuoteRequest.address", C.CONTACT, R.BUSINESS),
    F("showcase.QuoteRequest.postcode", C.CONTACT, R.BUSINESS),
    F("showcase.QuoteRequest.city", C.CONTACT, R.BUSINESS),
    F("showcase.QuoteRequest.ip_hash", C.TECHNICAL, R.TECHNICAL, "empreinte, pas l'adresse"),
    F("trainings.TrainingSession.trainer_name", C.IDENTITY, R.BUSINESS, "intervenant·e"),
    # --- Public schema: accounts, partners, the CAE itself, connection logs -----------------
    F("accounts.User.first_name", C.IDENTITY, R.ACCOUNT),
    F("accounts.User.last_name", C.IDENTITY, R.ACCOUNT),
    F("accounts.User.email", C.CONTACT, R.ACCOUNT),
    F("committees.PartnerPerson.first_name", C.IDENTITY, R.BUSINESS),
    F("committees.PartnerPerson.last_name", C.IDENTITY, R.BUSINESS),
    F("committees.PartnerPerson.email", C.CONTACT, R.BUSINESS),
    F("registry.Cae.contact_email", C.CONTACT, R.BUSINESS, "adresse de la structure"),
    F("registry.Cae.contact_phone", C.CONTACT, R.BUSINESS, "téléphone de la structure"),
    F("axes.AccessAttempt.username", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessAttempt.ip_address", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessAttempt.user_agent", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessLog.username", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessLog.ip_address", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessLog.user_agent", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessFailureLog.username", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessFailureLog.ip_address", C.TECHNICAL, R.TECHNICAL),
    F("axes.AccessFailureLog.user_agent", C.TECHNICAL, R.TECHNICAL),
    F("reports.SeasonReport.review_comment", C.FREE_TEXT, R.BUSINESS, "sur une structure"),
    F("reports.SeasonReportSubmission.review_comment", C.FREE_TEXT, R.BUSINESS),
)

_ORGANISATION = "le nom ou les coordonnées d'une structure, pas d'une personne"
_TECHNICAL = "un nom technique (tâche, schéma), pas une personne"
registry.declare_not_personal(
    {
        "people.Committee.name": _ORGANISATION,
        "cohorts.Cohort.name": _ORGANISATION,
        "cohorts.Cohort.territory_name": _ORGANISATION,
        "cohorts.CohortTransition.reason": "la raison d'un changement d'état d'une coopérative",
        "commerce.Service.name": "le nom d'une prestation",
        "commerce.Client.siret": _ORGANISATION,
        "billing.CreditNote.reason": "le motif d'un avoir (comptable)",
        "billing.Dispute.reason": "le motif d'une contestation de facture (comptable)",
        "billing.NumberingSettings.credit_note_template": _TECHNICAL,
        "ledger.Purchase.refusal_reason": "le motif du refus d'un achat",
        "pay.PayRun.above_result_reason": "le motif d'une répartition (collective)",
        "governance.Proposal.details": "le texte d'une proposition soumise au vote",
        "trainings.TrainingSession.notes": "les notes d'un atelier (collectif)",
        "registry.Cae.name": _ORGANISATION,
        "registry.Cae.siret": _ORGANISATION,
        "registry.Cae.address": _ORGANISATION,
        "registry.Cae.postcode": _ORGANISATION,
        "registry.Cae.city": _ORGANISATION,
        "registry.Cae.rcs_city": _ORGANISATION,
        "registry.Cae.network_name": _ORGANISATION,
        "registry.Cae.schema_name": _TECHNICAL,
        "committees.PartnerOrganisation.name": _ORGANISATION,
        "committees.PartnerOrganisation.siret": _ORGANISATION,
        "committees.LocalCommittee.name": _ORGANISATION,
        "indicators.CohortFact.name": _ORGANISATION,
        "indicators.CohortFact.gender_other": "un décompte agrégé, pas une personne",
        "reports.SeasonReport.cohort_name": _ORGANISATION,
        "showcase_directory.PublishedCohort.name": _ORGANISATION,
        "tasking.TaskRun.task_name": _TECHNICAL,
        "tasking.TaskRun.schema_name": _TECHNICAL,
        "tasking.OutboxMessage.task_name": _TECHNICAL,
        "tasking.OutboxMessage.schema_name": _TECHNICAL,
        "payments.PaymentEvent.schema_name": _TECHNICAL,
    }
)

# The audit trail keeps copies of tracked rows (coopilote.audit): each copy of a registered field
# has the same category and fate — erasure empties the copies as it empties the rows.
registry.register(*audit_copies(registry.fields(), apps.get_model))
registry.declare_not_personal(audit_copies_not_personal(registry.not_personal(), apps.get_model))
