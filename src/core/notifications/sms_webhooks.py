"""Twilio's status callbacks for the SMS we sent: POST /notifications/sms/status/ (public).

Twilio signs each callback: ``X-Twilio-Signature`` is Base64(HMAC-SHA1(auth token, URL +
every POST parameter's name and value, sorted by name)). The URL is the one we gave Twilio,
``PUBLIC_BASE_URL`` + this path, so the check holds behind proxies. The signature replaces
CSRF; a missing or wrong one answers 403 and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.accounts.permissions import access
from core.notifications.transports.sms import delivery_status_from_twilio

logger = structlog.get_logger(__name__)


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The X-Twilio-Signature Twilio computes for a form POST to `url`."""
    pairs = sorted(params)
    message = url + "".join(name + value for name, value in pairs)
    digest = hmac.new(auth_token.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _signed_by_twilio(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    expected = twilio_signature(token, url, params)
    return hmac.compare_digest(expected.encode(), given.encode())


@csrf_exempt
@require_POST
@access(public=True)
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    """Record delivered / undelivered / failed on the Delivery with that MessageSid."""
    if not _signed_by_twilio(request):
        logger.warning("twilio_callback_bad_signature")
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    changed = 0
    if sid:
        changed = delivery_status_from_twilio(
            provider_id=sid, message_status=status, error_code=request.POST.get("ErrorCode", "")
        )
    logger.info("twilio_callback", sid=sid, status=status, changed=changed)
    return HttpResponse(status=204)
