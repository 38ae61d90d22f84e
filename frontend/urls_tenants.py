from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend import billing, commerce, jobs, ledger, members, payments, quotes, team, views

app_name = "frontend"

urlpatterns = [
    path("", views.cae_home, name="home"),
    path("cooperatives/nouvelle/", views.cohort_new, name="cohort-new"),
    path("cooperatives/<int:cohort_id>/", views.cohort_detail, name="cohort-detail"),
    path(
        "cooperatives/<int:cohort_id>/animateurs/",
        views.cohort_animateur_add,
        name="cohort-animateur-add",
    ),
    path(
        "cooperatives/<int:cohort_id>/comites/",
        views.cohort_committees,
        name="cohort-committees",
    ),
    path(
        "cooperatives/<int:cohort_id>/prestations/",
        commerce.service_index,
        name="service-index",
    ),
    path(
        "cooperatives/<int:cohort_id>/prestations/<int:service_id>/",
        commerce.service_edit,
        name="service-edit",
    ),
    path(
        "cooperatives/<int:cohort_id>/prestations/<int:service_id>/offre/",
        commerce.service_offer,
        name="service-offer",
    ),
    path("clients/", commerce.client_index, name="client-index"),
    path("clients/nouveau/", commerce.client_new, name="client-new"),
    path("clients/<int:client_id>/", commerce.client_detail, name="client-detail"),
    path("clients/<int:client_id>/modifier/", commerce.client_edit, name="client-edit"),
    path(
        "clients/<int:client_id>/contacts/",
        commerce.client_contact_new,
        name="client-contact-new",
    ),
    path(
        "cooperatives/<int:cohort_id>/factures/",
        billing.cohort_invoices,
        name="cohort-invoices",
    ),
    path("factures/", billing.invoice_index, name="invoice-index"),
    path("factures/<int:invoice_id>/", billing.invoice_detail, name="invoice-detail"),
    path("factures/<int:invoice_id>/pdf/", billing.invoice_pdf_view, name="invoice-pdf"),
    path("avoirs/<int:credit_note_id>/pdf/", billing.credit_note_pdf_view, name="credit-note-pdf"),
    path("factures/consulter/<str:token>/", billing.invoice_public, name="invoice-public"),
    path(
        "factures/consulter/<str:token>/pdf/",
        billing.invoice_public_pdf,
        name="invoice-public-pdf",
    ),
    path("cooperatives/<int:cohort_id>/devis/", quotes.quote_index, name="quote-index"),
    path("devis-internes/<int:quote_id>/", quotes.quote_detail, name="quote-detail"),
    path("devis-internes/<int:quote_id>/pdf/", quotes.quote_pdf_view, name="quote-pdf"),
    path("devis/<str:token>/", quotes.quote_public, name="quote-public"),
    path("devis/<str:token>/pdf/", quotes.quote_public_pdf, name="quote-public-pdf"),
    path(
        "cooperatives/<int:cohort_id>/prestations-realisees/",
        jobs.job_index,
        name="job-index",
    ),
    path("interventions/<int:job_id>/", jobs.job_detail, name="job-detail"),
    path("cooperatives/<int:cohort_id>/planning/", jobs.planning, name="planning"),
    path("parametres/numerotation/", billing.numbering, name="numbering"),
    path("comptabilite/", ledger.ledger_home, name="ledger"),
    path("cooperatives/<int:cohort_id>/resultat/", ledger.cohort_result, name="cohort-result"),
    path("factures/consulter/<str:token>/payer/", payments.invoice_pay, name="invoice-pay"),
    path("paiements/simulation/<str:public_id>/", payments.dummy_checkout, name="dummy-checkout"),
    path("parametres/paiement-en-ligne/", payments.payment_settings, name="payment-settings"),
    path("equipe/", team.team, name="team"),
    path("membres/", members.member_index, name="member-index"),
    path("membres/nouveau/", members.member_new, name="member-new"),
    path("membres/<int:member_id>/", members.member_detail, name="member-detail"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("activation/<str:uidb64>/<str:token>/", views.activation, name="activation"),
    path("i18n/", include("django.conf.urls.i18n")),
]
