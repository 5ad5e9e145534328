"""Billing services: readings in, money moved, valves and alerts set off."""

from __future__ import annotations

from water.billing.services.credits import account_credit
from water.billing.services.readings import readings_apply
from water.billing.services.rules import disconnection_allowed

__all__ = ["account_credit", "disconnection_allowed", "readings_apply"]
