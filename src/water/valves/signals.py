"""Valve and alert events, sent after the transaction that caused them commits.

`alert_raised` fires once when an alert opens (a repeat occurrence of an open alert does not
fire it again); receivers get `alert_id`, `meter_id`, `tenant_id` and `kind`.
"""

from __future__ import annotations

from django.dispatch import Signal

alert_raised = Signal()  # a new alert opened for a meter
