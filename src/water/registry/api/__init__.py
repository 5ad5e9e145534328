"""The registry API, mounted at /api/v1/water/: clients, properties, customers.

No ``from __future__ import annotations`` in these modules: ninja reads the handler
annotations at import.
"""

from ninja import Router

from water.registry.api.clients import router as clients_router
from water.registry.api.customers import router as customers_router
from water.registry.api.documents import router as documents_router
from water.registry.api.properties import router as properties_router

ROUTER_PREFIX = "water/"

router = Router()
router.add_router("", clients_router)
router.add_router("", properties_router)
router.add_router("", documents_router)
router.add_router("", customers_router)
