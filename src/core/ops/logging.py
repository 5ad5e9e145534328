"""JSON logging through structlog; every line carries the request id when there is one."""

from __future__ import annotations

import logging
from typing import Any

import structlog


def _request_id_from_record(
    _logger: Any, _method: str, event_dict: dict[str, Any]
) -> dict[str, Any]:
    """Give stdlib records about a request (django.request) that request's id.

    Django logs error responses after the middleware chain has returned, when the id is no
    longer bound to the context; the record still carries the request itself.
    """
    record = event_dict.get("_record")
    if "request_id" not in event_dict and isinstance(record, logging.LogRecord):
        request_id = getattr(getattr(record, "request", None), "request_id", None)
        if isinstance(request_id, str):
            event_dict["request_id"] = request_id
    return event_dict


_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(*, level: str) -> dict[str, Any]:
    """A dictConfig that renders stdlib and structlog records as one JSON object per line."""
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
                "foreign_pre_chain": [*_SHARED_PROCESSORS, _request_id_from_record],
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.server": {"level": "WARNING"},
            "uvicorn.access": {"level": "WARNING"},
        },
    }
