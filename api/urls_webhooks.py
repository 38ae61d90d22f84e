from django.urls import path

from api.webhooks import payment_webhook

urlpatterns = [
    path("webhook/<slug:provider>/", payment_webhook, name="payment-webhook"),
]
