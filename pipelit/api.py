"""REST plumbing shared by every app: the list envelope and the error envelope."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class EnvelopePagination(LimitOffsetPagination):
    """`{"items": [...], "total": N}` with `limit`/`offset`, as every client of the API expects."""

    default_limit = 50
    max_limit = 1000

    def get_paginated_response(self, data):
        return Response({"items": data, "total": self.count})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "total"],
            "properties": {"items": schema, "total": {"type": "integer"}},
        }


def paginate(request, queryset, serialize) -> Response:
    """Envelope a queryset for a plain APIView: `serialize` turns the page into a list."""
    paginator = EnvelopePagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serialize(page))


def _flatten_validation(detail, loc=("body",)):
    """DRF's nested error dict -> FastAPI-style [{loc, msg, type}] so clients see one shape."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten_validation(value, (*loc, key) if key != "non_field_errors" else loc)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                yield from _flatten_validation(value, (*loc, index))
            else:
                yield from _flatten_validation(value, loc)
    else:
        yield {"loc": list(loc), "msg": str(detail), "type": getattr(detail, "code", "invalid")}


class UnprocessableEntity(exceptions.APIException):
    """422 with a caller-shaped detail (e.g. `{"validation_errors": [...]}`)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Validation failed."

    def __init__(self, detail):
        self.detail = detail


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."


class ServiceUnavailable(exceptions.APIException):
    """503 with `Retry-After` (DRF sets the header from `wait`): a backing service is down."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A backing service is unavailable; try again shortly."

    def __init__(self, detail=None, *, wait: int = 5):
        super().__init__(detail)
        self.wait = wait


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # Our own 404s say what is missing; Django's generic "No X matches the given query." does not.
        message = str(exc) if str(exc) and "matches the given query" not in str(exc) else "Not found."
        return Response({"detail": message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, OverflowError):
        # An id from the URL too large for the database's integer column (SQLite raises before the
        # query runs): no row can have it.
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, UnprocessableEntity):
        return Response({"detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            {"detail": list(_flatten_validation(exc.detail))},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, exceptions.ParseError):
        return Response(
            {"detail": f"Malformed request body: {exc.detail}"}, status=status.HTTP_400_BAD_REQUEST
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": response.data}
    return response
