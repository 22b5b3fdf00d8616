"""HTTP layer: FastAPI routers, wire schemas and error rendering. No SQL, no business rules."""

from __future__ import annotations
