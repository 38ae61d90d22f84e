"""Every route of a URLconf, taken from the resolver, with its ids filled in: walks built on it
cover a new route automatically."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import URLPattern, URLResolver, get_resolver

TENANT_URLCONF = "coopilote.urls_tenants"
KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """(route, pattern) of every view reachable from `resolver` (a CAE's site by default)."""
    resolver = resolver or get_resolver(TENANT_URLCONF)
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(routes(entry, route))
        else:
            found.append((route, entry))
    return found


def is_regex(route: str) -> bool:
    """Regex routes (static files, the schema documents) are not walked."""
    return "(?P<" in route or route.startswith("^")


def fill(route: str, value_of: Callable[[str, str], int | str]) -> str | None:
    """The route with each `<converter:name>` replaced by `value_of(name, route)`; None for a
    regex route."""
    if is_regex(route):
        return None

    def value(match: re.Match[str]) -> str:
        filled = value_of(match["name"], route)
        if match["converter"] in (None, "str", "slug", "path") and isinstance(filled, int):
            return str(filled) if match["converter"] is None else "x"
        return str(filled)

    return "/" + KWARG.sub(value, route)


def path_for(route: str, cohort_id: int) -> str | None:
    """The route with every id filled in (the cohort's for cohort ids, 1 for other ids)."""
    return fill(route, lambda name, _route: cohort_id if name == "cohort_id" else 1)


def int_kwargs(route: str) -> list[str]:
    """Names of the integer parts of a route, in order."""
    return [match["name"] for match in KWARG.finditer(route) if match["converter"] == "int"]
