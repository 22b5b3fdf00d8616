"""Wire request models, named after the spec's schemas. Responses are built as wire-shaped dicts."""

from __future__ import annotations
