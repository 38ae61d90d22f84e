from django.db import models
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
