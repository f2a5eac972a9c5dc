"""Telegram: the inbound webhook per bot credential (authenticated by Telegram's secret header, not by an
API key) and the authenticated `set-webhook/` action that registers it with the Bot API."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from pipelit.api import UnprocessableEntity

from ..services import telegram as services
from ..telegram.client import TelegramError
from ..telegram.webhook import SECRET_META_KEY, verify_secret


@csrf_exempt
def telegram_webhook(request, credential_id: int):
    if request.method != "POST":
        return JsonResponse({"detail": "Method not allowed; Telegram POSTs updates."}, status=405)
    credential = services.telegram_credential_get(credential_id)
    if credential is None:
        return JsonResponse({"detail": "Telegram credential not found."}, status=404)
    if not verify_secret(request.META.get(SECRET_META_KEY), credential.webhook_secret):
        return JsonResponse({"detail": "Invalid secret token."}, status=403)
    try:
        update = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        return JsonResponse({"detail": f"Malformed JSON body: {exc}"}, status=400)
    if not isinstance(update, dict):
        return JsonResponse({"detail": "An Update must be a JSON object."}, status=400)
    executions = services.telegram_update_handle(credential=credential, update=update)
    return JsonResponse({"ok": True, "execution_ids": [str(e.execution_id) for e in executions]})


class SetWebhookSerializer(serializers.Serializer):
    base_url = serializers.URLField()
    drop_pending_updates = serializers.BooleanField(required=False, default=False)


class TelegramSetWebhookView(APIView):
    """POST {"base_url": "https://pipelit.example.com"} -> setWebhook to <base_url>/api/v1/telegram/<id>/webhook/."""

    def post(self, request, credential_id):
        credential = services.telegram_credential_get(credential_id)
        if credential is None:
            raise NotFound("Telegram credential not found.")
        body = SetWebhookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            url = services.telegram_webhook_register(credential=credential, **body.validated_data)
        except (ValueError, TelegramError) as exc:
            raise UnprocessableEntity(str(exc)) from None
        return Response({"ok": True, "url": url})
