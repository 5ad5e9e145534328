"""API shapes of the notification centre and the preferences."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from core.api.schemas import Strict


class DeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    provider_id: str
    sent_at: datetime | None
    delivered_at: datetime | None


class NotificationOut(Schema):
    id: int
    event: str
    category: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationDetailOut(NotificationOut):
    deliveries: list[DeliveryOut] = Field(alias="delivery_log")


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    updated: int


class PreferenceOut(Schema):
    category: str
    channel: str
    available: bool
    required: bool
    enabled: bool


class PreferenceIn(Strict):
    category: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    enabled: bool


class PreferencesIn(Strict):
    preferences: list[PreferenceIn] = Field(min_length=1, max_length=64)
