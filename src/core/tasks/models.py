"""Which scheduler enqueued the periodic jobs of each minute.

Every worker process runs a scheduler; the first to insert a minute's row enqueues that
minute's periodic jobs and the others see the unique constraint and stand aside. A dead
worker therefore costs nothing: the next minute is claimed by whoever is alive.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SchedulerTick(models.Model):
    minute = models.DateTimeField(unique=True)
    holder = models.CharField(max_length=120)
    claimed_at = models.DateTimeField(default=timezone.now)
    enqueued = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-minute"]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} by {self.holder}"
