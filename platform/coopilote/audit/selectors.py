"""Reading the audit trail: the events of this site's schema (and, on a CAE's site, the grants
of roles in this CAE, kept in the public schema), newest first, with what changed.

One query reads a page: the events are filtered and ordered in each event table (UNION ALL),
then only the page's rows are joined to their full snapshot and to the previous snapshot of the
same object (for "old → new") and to the account that made the change; a second query counts
them. Table and column names in the SQL come from the models' metadata; every value is a query
parameter (hence the `noqa: S608`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopilote.audit import SECRET_NAME, is_event_model, tracked_model_of
from coopilote.tenancy import current_schema, in_public_schema

ACTION_LABELS = {
    "insert": gettext_lazy("Création"),
    "update": gettext_lazy("Modification"),
    "delete": gettext_lazy("Suppression"),
}
MASK = "••••"
EMPTY = "—"
# On a CAE's site, events of these public tables are shown when they concern this CAE.
CAE_COLUMN = "cae_id"


@dataclass(frozen=True)
class Change:
    field: str  # the column
    label: str  # the field's name, for people
    old: str | None  # None: no earlier state known (a creation, or the first change recorded)
    new: str | None  # None: the row was deleted


@dataclass(frozen=True)
class AuditEntry:
    kind: str  # the tracked model, "app_label.Model"
    kind_label: str
    event_id: int
    at: datetime.datetime
    action: str  # insert, update, delete
    action_label: str
    object_id: str
    user_id: int | None
    user_label: str
    ip: str | None  # None also when the change was made from another site (its context stays there)
    path: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class AuditFilters:
    kind: str | None = None  # a tracked model's label
    user_id: int | None = None  # who made the change
    member_id: int | None = None  # the coopérant·e the rows are about
    since: datetime.date | None = None
    until: datetime.date | None = None  # included


@dataclass(frozen=True)
class _Source:
    event_model: type[models.Model]
    tracked_model: type[models.Model]
    cae_id: int | None  # public tables on a CAE's site: that CAE's rows only

    @property
    def kind(self) -> str:
        return str(self.tracked_model._meta.label)

    @property
    def table(self) -> str:
        return str(connection.ops.quote_name(self.event_model._meta.db_table))


def _event_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if is_event_model(model)]


def _is_tenant_model(model: type[models.Model]) -> bool:
    app = apps.get_app_config(model._meta.app_label)
    return app.name in settings.TENANT_APPS and app.name not in settings.SHARED_APPS


def _sources(cae: Any | None) -> list[_Source]:
    """What this site's trail reads: on a CAE's site, its schema's tables plus the public ones
    that name the CAE; on the national site, the public tables."""
    sources = []
    for event_model in _event_models():
        tracked = tracked_model_of(event_model)
        if cae is None:
            if not _is_tenant_model(event_model):
                sources.append(_Source(event_model, tracked, None))
        elif _is_tenant_model(event_model):
            sources.append(_Source(event_model, tracked, None))
        elif CAE_COLUMN in {each.column for each in event_model._meta.concrete_fields}:
            sources.append(_Source(event_model, tracked, cae.pk))
    return sorted(sources, key=lambda source: source.kind)


def audit_kinds(*, cae: Any | None) -> list[tuple[str, str]]:
    """(kind, label) of what the trail of this site records, for the filters."""
    return [(source.kind, _kind_label(source.tracked_model)) for source in _sources(cae)]


def _kind_label(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name).capitalize()


def _where(source: _Source, filters: AuditFilters) -> tuple[str, list[Any]] | None:
    """The conditions of one event table, or None when the filters exclude it."""
    if filters.kind is not None and filters.kind != source.kind:
        return None
    clauses: list[str] = []
    params: list[Any] = []
    if source.cae_id is not None:
        clauses.append(f"e.{CAE_COLUMN} = %s")
        params.append(source.cae_id)
    if filters.member_id is not None:
        columns = {each.name: each.column for each in source.tracked_model._meta.concrete_fields}
        if source.tracked_model._meta.label == "people.Member":
            clauses.append("e.pgh_obj_id = %s")
        elif "member" in columns:
            clauses.append(f"e.{connection.ops.quote_name(str(columns['member']))} = %s")
        else:
            return None
        params.append(filters.member_id)
    if filters.user_id is not None:
        clauses.append("e.pgh_context->>'user' = %s")
        params.append(str(filters.user_id))
    if filters.since is not None:
        clauses.append("e.pgh_created_at >= %s")
        params.append(_midnight(filters.since))
    if filters.until is not None:
        clauses.append("e.pgh_created_at < %s")
        params.append(_midnight(filters.until + datetime.timedelta(days=1)))
    return " AND ".join(clauses) or "TRUE", params


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class AuditLog:
    """The filtered trail, newest first: counted and sliced lazily (Django's and DRF's
    paginators take it as it is)."""

    def __init__(self, *, cae: Any | None, filters: AuditFilters) -> None:
        self.schema = current_schema()
        self.selected = [
            (source, where)
            for source in _sources(cae)
            if (where := _where(source, filters)) is not None
        ]
        self._count: int | None = None

    def _union(self, columns: str) -> tuple[str, list[Any]]:
        parts, params = [], []
        for source, (clauses, where_params) in self.selected:
            parts.append(
                f"SELECT %s::text AS kind, {columns} FROM {source.table} e WHERE {clauses}"  # noqa: S608
            )
            params += [source.kind, *where_params]
        return " UNION ALL ".join(parts), params

    def count(self) -> int:
        if self._count is None:
            if not self.selected:
                self._count = 0
            else:
                union, params = self._union("1 AS one")
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT count(*) FROM ({union}) events", params)  # noqa: S608
                    self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[AuditEntry]:
        return iter(self[0 : self.count()])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if not self.selected:
            return []
        # Even an empty slice asks the database: a page costs the same queries, whatever it holds.
        return self._page(offset=start, limit=max(stop - start, 0))

    def _page(self, *, offset: int, limit: int) -> list[AuditEntry]:
        union, params = self._union("e.pgh_id, e.pgh_created_at, e.pgh_label, e.pgh_context")
        joins, join_params, data, previous = [], [], [], []
        for number, (source, _where_clause) in enumerate(self.selected):
            alias = f"d{number}"
            joins.append(
                f"LEFT JOIN LATERAL (SELECT row_to_json(e)::jsonb AS data, "  # noqa: S608
                f"(SELECT row_to_json(p)::jsonb FROM {source.table} p "
                f"WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id "
                f"ORDER BY p.pgh_id DESC LIMIT 1) AS previous "
                f"FROM {source.table} e WHERE page.kind = %s AND e.pgh_id = page.pgh_id) "
                f"{alias} ON TRUE"
            )
            join_params.append(source.kind)
            data.append(f"{alias}.data")
            previous.append(f"{alias}.previous")
        sql = (
            f"WITH page AS (SELECT * FROM ({union}) events "  # noqa: S608
            f"ORDER BY pgh_created_at DESC, kind, pgh_id DESC LIMIT %s OFFSET %s) "
            f"SELECT page.kind, page.pgh_id, page.pgh_created_at, page.pgh_label, "
            f"page.pgh_context, COALESCE({', '.join(data)}), COALESCE({', '.join(previous)}), "
            f"u.email, u.first_name, u.last_name "
            f"FROM page {' '.join(joins)} "
            f"LEFT JOIN {_users_table()} u "
            f"ON u.id::text = page.pgh_context->>'user' "
            f"ORDER BY page.pgh_created_at DESC, page.kind, page.pgh_id DESC"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset, *join_params])
            rows = cursor.fetchall()
        return self._entries(rows)

    def _entries(self, rows: list[tuple[Any, ...]]) -> list[AuditEntry]:
        models_by_kind = {source.kind: source.tracked_model for source, _where in self.selected}
        contexts = [_json(row[4]) or {} for row in rows]
        entries = []
        for (kind, event_id, at, label, _context, data, previous, *user), context in zip(
            rows, contexts, strict=True
        ):
            model = models_by_kind[kind]
            here = context.get("schema") == self.schema
            user_id = context.get("user")
            current, before = _json(data) or {}, _json(previous)
            entries.append(
                AuditEntry(
                    kind=kind,
                    kind_label=_kind_label(model),
                    event_id=int(event_id),
                    at=at,
                    action=str(label),
                    action_label=str(ACTION_LABELS.get(label, label)),
                    object_id=str(current.get("pgh_obj_id", "")),
                    user_id=user_id,
                    user_label=_user_label(*user) if user_id else _("Système"),
                    ip=context.get("ip") if here else None,
                    path=context.get("url") if here else None,
                    changes=_changes(model, str(label), current, before),
                )
            )
        return entries


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _users_table() -> str:
    """The accounts' table (public schema, found through the search path on every site)."""
    table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    return str(connection.ops.quote_name(table))


def _user_label(email: str | None, first_name: str | None, last_name: str | None) -> str:
    if email is None:
        return EMPTY  # an account deleted since
    name = f"{first_name or ''} {last_name or ''}".strip()
    return f"{name} <{email}>" if name else email


def _changes(
    model: type[models.Model], action: str, current: dict[str, Any], before: dict[str, Any] | None
) -> list[Change]:
    """What the event changed, field by field, in the order of the model's fields."""
    changes = []
    for each in model._meta.concrete_fields:
        column = each.column
        if column not in current or each.primary_key:
            continue
        value = current[column]
        if action == "delete":
            changes.append(Change(column, _label(each), _shown(each, value), None))
        elif action == "update" and before is not None:
            if before.get(column) != value:
                changes.append(
                    Change(
                        column, _label(each), _shown(each, before.get(column)), _shown(each, value)
                    )
                )
        elif value not in (None, ""):
            changes.append(Change(column, _label(each), None, _shown(each, value)))
    return changes


def _label(each: models.Field) -> str:  # type: ignore[type-arg]
    return str(each.verbose_name)


def _shown(each: models.Field, value: Any) -> str:  # type: ignore[type-arg]
    """A stored value as people read it; secrets never."""
    if SECRET_NAME.search(each.name):
        return MASK
    if value is None or value == "":
        return EMPTY
    if each.is_relation:
        return _("n° %(id)s") % {"id": value}
    if each.choices:
        return str(dict(each.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(each, models.DateTimeField):
        moment = parse_datetime(str(value))
        if moment is not None:
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    elif isinstance(each, models.DateField):
        day = parse_date(str(value))
        if day is not None:
            return date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(value, dict):
        return str(value.get("name") or json.dumps(value, ensure_ascii=False))
    return str(value)


def audit_log(*, cae: Any | None, filters: AuditFilters) -> AuditLog:
    """The trail this site shows: a CAE's (cae given) or the network's (public tables)."""
    if cae is None and not in_public_schema():
        raise ValueError("The network's trail is read from the public schema.")
    return AuditLog(cae=cae, filters=filters)
