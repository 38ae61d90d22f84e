from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


def root_view(*endpoints: str) -> type[APIView]:
    """An index of the v1 endpoints of this site, with the links to the schema and docs."""

    class ApiRoot(APIView):
        permission_classes = [AllowAny]

        @extend_schema(exclude=True)
        def get(self, request: Request) -> Response:
            links = {name: reverse(f"api:v1:{name}", request=request) for name in endpoints}
            links["schema"] = reverse("api:schema", request=request)
            links["docs"] = reverse("api:docs", request=request)
            return Response(links)

    return ApiRoot
