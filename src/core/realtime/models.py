"""Live events kept for catch-up, and how far pruning has gone."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LiveEvent(models.Model):
    """One event for one audience ("user:42", "tenant:7", "platform"), kept for catch-up."""

    id = models.BigAutoField(primary_key=True)
    audience = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["audience", "id"], name="live_audience_id")]

    def __str__(self) -> str:
        return f"{self.pk} {self.audience} {self.kind}"


class LivePruneMark(models.Model):
    """A single row: events up to `through_id`, or created before `through_at`, are gone.

    A browser that resumes from before this mark may have missed events, so it is told to
    resynchronise instead of being replayed a partial history.
    """

    through_id = models.BigIntegerField(default=0)
    through_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pruned through {self.through_id} / {self.through_at.isoformat()}"
