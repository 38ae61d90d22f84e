"""The seam between the CAEs' schemas and the national indicators store.

`tenants/` and `network/` never import each other. The CAE side registers, at start-up, the
function that computes cohort facts in the current schema (a *source*); the network side
registers the function that stores them in the public schema (a *sink*). Publishing goes
source → sink: incrementally for one cohort after a change (a task in the CAE's schema), or for
every cohort of every CAE when the store is rebuilt (docs/indicators.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# facts of the cohorts of the current schema: all of them, or those whose ids are given
Source = Callable[[Sequence[int] | None], list[dict[str, Any]]]
# store facts of the CAE whose schema is named: `complete` when they are all its cohorts' facts
Sink = Callable[[str, Sequence[Mapping[str, Any]], bool], None]

_registry: dict[str, Any] = {}


def facts_source_register(source: Source) -> None:
    _registry["source"] = source


def facts_sink_register(sink: Sink) -> None:
    _registry["sink"] = sink


def _get(name: str) -> Any:
    if name not in _registry:
        raise RuntimeError(f"No indicators {name} is registered: is its app installed?")
    return _registry[name]


def facts_compute(cohort_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Facts of the current schema's cohorts (all when `cohort_ids` is None)."""
    source: Source = _get("source")
    return source(cohort_ids)


def facts_store(schema_name: str, facts: Sequence[Mapping[str, Any]], *, complete: bool) -> None:
    """Store facts of the CAE whose schema is `schema_name`; with `complete`, they replace
    everything stored for that CAE (cohorts gone since are dropped)."""
    sink: Sink = _get("sink")
    sink(schema_name, facts, complete)
