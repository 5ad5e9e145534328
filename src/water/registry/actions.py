"""Stable names of the registry's audited actions (settings changes use CONFIG_CHANGED)."""

from __future__ import annotations

CLIENT_CREATED = "water.client_created"
CLIENT_STATUS_CHANGED = "water.client_status_changed"
PROPERTY_CREATED = "water.property_created"
PROPERTY_UPDATED = "water.property_updated"
PROPERTY_DELETED = "water.property_deleted"
PROPERTY_VERIFICATION = "water.property_verification"
PROPERTY_DOCUMENT_ADDED = "water.property_document_added"
PROPERTY_DOCUMENT_DELETED = "water.property_document_deleted"
CUSTOMER_CREATED = "water.customer_created"
CUSTOMER_UPDATED = "water.customer_updated"
CUSTOMER_DELETED = "water.customer_deleted"
CUSTOMER_PORTAL_LINKED = "water.customer_portal_linked"
