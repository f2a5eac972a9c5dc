"""Platform views that belong to no app: the public health probe."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from . import health as checks


@require_GET
def health(request):
    database = checks.database_ok()
    redis = checks.redis_ok()
    workers = checks.live_worker_count() if redis else 0
    return JsonResponse(
        {
            "status": "ok" if database and redis and workers > 0 else "degraded",
            "version": settings.VERSION,
            "database": database,
            "redis": redis,
            "workers": workers,
        }
    )
