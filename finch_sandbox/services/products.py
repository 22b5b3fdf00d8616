"""Finch product names and which ones a new sandbox connection gets by default."""

from __future__ import annotations

from typing import Literal, get_args

# Every product name Finch Connect accepts (behavior.md §6.1); `deduction` is benefits' old name.
# The wire models validate against the Literal; the rules check against the set made from it.
Product = Literal[
    "benefits",
    "company",
    "deduction",
    "directory",
    "documents",
    "employment",
    "individual",
    "payment",
    "pay_statement",
    "plans",
    "plans_dependents",
    "plans_enrollments",
    "recordkeeping",
    "ssn",
]
KNOWN_PRODUCTS = frozenset(get_args(Product))

# POST /sandbox/connections without products: the read products Finch's sandbox fills with data.
DEFAULT_CONNECTION_PRODUCTS = (
    "company",
    "directory",
    "individual",
    "employment",
    "payment",
    "pay_statement",
)

# POST /sandbox/connections/accounts without products: the Organization products (SDK docs).
DEFAULT_ACCOUNT_PRODUCTS = ("company", "directory", "employment", "individual")

AUTHENTICATION_TYPES = ("credential", "api_token", "oauth", "assisted")

CONNECTION_STATUSES = (
    "pending",
    "processing",
    "connected",
    "error_no_account_setup",
    "error_permissions",
    "reauth",
)
