"""The audit trail: who changed what, when and from where, recorded by database triggers
(django-pghistory) so that raw SQL and `queryset.update()` are recorded too.

A tracked model (`@audited()`) gets an event model `<Model>AuditEvent` in its own app: its
table lives where the model's does (each CAE's schema for tenant apps, public for accounts).
Each event row is a snapshot of the row after an insert or update (before a delete) and
carries its own copy of the request's context (user id, IP address, path, schema) as JSON,
so no context row is shared between schemas. Event tables are append-only (a trigger refuses
updates and deletes); only erasure (RGPD) empties the personal fields of a member's copies,
through `audit_copies_erase()`. See docs/personal-data.md, "Journal d'audit".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pghistory
import pgtrigger
from django.db import models

from coopilote.personal_data import PersonalField

ModelT = TypeVar("ModelT", bound=type[models.Model])

EVENT_SUFFIX = "AuditEvent"
# Never copied into the trail, and masked if shown: names of fields that hold secrets.
SECRET_NAME = re.compile(r"(password|secret|token|otp|idempotency|api_key|hash)", re.IGNORECASE)


def audited(
    *, exclude: Iterable[str] = (), insert_only: bool = False
) -> Callable[[ModelT], ModelT]:
    """Track a model's inserts, updates and deletes (only inserts for a model that database
    triggers already make immutable) in an append-only `<Model>AuditEvent` table."""
    trackers: list[pghistory.RowEvent] = [pghistory.InsertEvent()]
    if not insert_only:
        trackers += [pghistory.UpdateEvent(), pghistory.DeleteEvent()]

    def decorator(model: ModelT) -> ModelT:
        secrets = [
            field.name for field in model._meta.local_fields if SECRET_NAME.search(field.name)
        ]
        # The journal reads the newest events first.
        digest = hashlib.sha256(model._meta.label.encode()).hexdigest()[:12]
        created_index = models.Index(fields=["pgh_created_at"], name=f"audit_at_{digest}")
        return pghistory.track(  # type: ignore[no-any-return]
            *trackers,
            exclude=[*exclude, *secrets],
            obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
            context_field=pghistory.ContextJSONField(),
            append_only=True,
            model_name=f"{model.__name__}{EVENT_SUFFIX}",
            meta={"indexes": [created_index]},
        )(model)

    return decorator


def event_model_of(model: type[models.Model]) -> type[models.Model] | None:
    """The audit event model of a tracked model (None when it is not tracked)."""
    for event_model in getattr(model, "pgh_event_models", {}).values():
        if event_model.__name__.endswith(EVENT_SUFFIX):
            return event_model  # type: ignore[no-any-return]
    return None


def is_event_model(model: type[models.Model]) -> bool:
    return getattr(model, "pgh_tracked_model", None) is not None


def tracked_model_of(event_model: type[models.Model]) -> type[models.Model]:
    """The model whose rows an audit event model records."""
    tracked: type[models.Model] = event_model.pgh_tracked_model  # type: ignore[attr-defined]
    return tracked


def audit_copy_of(field: str, get_model: Callable[[str], Any]) -> str | None:
    """The trail's copy ("app.ModelAuditEvent.field") of a field "app.Model.field", if any."""
    model_label, name = field.rsplit(".", 1)
    event_model = event_model_of(get_model(model_label))
    if event_model is None:
        return None
    if name not in {each.name for each in event_model._meta.concrete_fields}:
        return None
    return f"{event_model._meta.label}.{name}"


def audit_copies(entries: Iterable[PersonalField], get_model: Callable[[str], Any]) -> list[Any]:
    """The register's entries for the trail's copies of registered fields: same category, same
    fate (erasure empties the copies as it empties the rows)."""
    copies = []
    for entry in entries:
        copy = audit_copy_of(entry.field, get_model)
        if copy is not None:
            copies.append(PersonalField(copy, entry.category, entry.retention, entry.note))
    return copies


def audit_copies_not_personal(
    reasons: Mapping[str, str], get_model: Callable[[str], Any]
) -> dict[str, str]:
    """The "not personal" declarations of the trail's copies of fields declared so."""
    copies = {field: audit_copy_of(field, get_model) for field in reasons}
    return {copy: reasons[field] for field, copy in copies.items() if copy is not None}


def audit_copies_erase(
    model: type[models.Model], *, lookups: Mapping[str, Any], values: Mapping[str, Any]
) -> int:
    """Set `values` on the trail's copies of `model`'s rows matching `lookups` (erasure only:
    the event tables are otherwise append-only). Returns the number of copies changed."""
    event_model = event_model_of(model)
    if event_model is None:
        return 0
    with pgtrigger.ignore(f"{event_model._meta.label}:append_only"):
        return int(event_model._default_manager.filter(**lookups).update(**values))
