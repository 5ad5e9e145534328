"""Balance events, sent after the transaction that caused them commits.

Receivers (notifications, real-time pages) get `meter_id`, `tenant_id` and `balance_idr`.
"""

from __future__ import annotations

from django.dispatch import Signal

balance_low = Signal()  # the balance fell below the client's threshold
credit_exhausted = Signal()  # the balance reached zero or less
credit_restored = Signal()  # a credit lifted the balance above zero again
