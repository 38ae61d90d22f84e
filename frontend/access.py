"""The web pages' side of `coopilote.access`: the same decisions as the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed

from coopilote.access import Action, Refusal, can, cohort_refusal
from coopilote.tenancy import current_cae

View = Callable[..., HttpResponse]
PAGE_METHODS = frozenset({"GET", "HEAD", "POST"})


site_cae = current_cae


def require(action: Action) -> Callable[[View], View]:
    """Sign-in first, then `action` in this site's CAE (or on the network) or 403. Pages take
    GET and POST (HTML forms) only: any other method is a 405."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in PAGE_METHODS:
                return HttpResponseNotAllowed(sorted(PAGE_METHODS))
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action, cae=site_cae()):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_cohort(request: HttpRequest, action: Action, cohort_id: int) -> None:
    """404 for a cohort the person cannot see, 403 for one they see but cannot act on."""
    refusal = cohort_refusal(request.user, action, cae=site_cae(), cohort_id=cohort_id)
    if refusal == Refusal.FORBIDDEN:
        raise PermissionDenied
    if refusal == Refusal.NOT_FOUND:
        raise Http404
