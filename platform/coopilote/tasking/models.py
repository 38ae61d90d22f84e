import uuid
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    """One completed run of an idempotent task, in the schema where it ran."""

    key = models.CharField(_("clé"), max_length=200, unique=True)
    task_name = models.CharField(_("tâche"), max_length=200)
    schema_name = models.CharField(_("schéma"), max_length=63)
    finished_at = models.DateTimeField(_("terminée le"))

    class Meta:
        verbose_name = _("exécution de tâche")
        verbose_name_plural = _("exécutions de tâches")

    def __str__(self) -> str:
        return f"{self.task_name} [{self.key}]"


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def pending(self) -> "OutboxMessageQuerySet":
        return self.filter(sent_at__isnull=True)

    def due(self, *, now: datetime) -> "OutboxMessageQuerySet":
        """Pending messages whose next attempt has come, oldest first."""
        return self.pending().filter(available_at__lte=now).order_by("available_at", "created_at")


class OutboxMessage(models.Model):
    """A task to send once the transaction that wrote this row has committed.

    Written in the same transaction as the change it follows, in the schema where that
    transaction works, so the work is never lost: a relay (right after the commit, then the
    periodic sweep) sends it to the broker and marks it sent. The primary key is the Celery
    task id, so a message relayed twice can be recognised by its consumer.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(_("tâche"), max_length=200)
    # Stored with kombu's JSON encoding (dates, decimals and UUIDs keep their types); emptied
    # once sent, since a payload may hold a secret (a quote's single-use answer token).
    args = models.JSONField(_("arguments positionnels"), default=list, blank=True)
    kwargs = models.JSONField(_("arguments nommés"), default=dict, blank=True)
    # The schema the task runs in (its `_schema_name` header): the network's webhook writes its
    # row in public for a task that runs in a CAE's schema.
    schema_name = models.CharField(_("schéma cible"), max_length=63)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    available_at = models.DateTimeField(_("à envoyer à partir du"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives échouées"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message en attente d'envoi")
        verbose_name_plural = _("messages en attente d'envoi")
        indexes = [
            models.Index(
                fields=["available_at", "created_at"],
                condition=Q(sent_at__isnull=True),
                name="tasking_outbox_pending",
            ),
            models.Index(
                fields=["sent_at"],
                condition=Q(sent_at__isnull=False),
                name="tasking_outbox_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} [{self.pk}]"
