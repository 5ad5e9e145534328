"""Client address resolution that only trusts proxies we were told about."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's IP: the right-most untrusted X-Forwarded-For hop, else REMOTE_ADDR.

    `TRUSTED_PROXY_COUNT` says how many proxies (nginx, load balancer) append to the header;
    with 0 the header is ignored, so a client cannot forge its address to dodge rate limits.
    """
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    remote = str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) >= proxies:
        return hops[-proxies]
    return remote
