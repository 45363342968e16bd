"""Fixtures of the fund's tests: a contract to apply under, and a cache emptied around a test.
The fund, a project and its wish are in tests/conftest.py (a module sets the fund's terms in
FUND_TERMS)."""

import pytest
from django.core.cache import cache

from tests.factories import contract_in_status


@pytest.fixture
def empty_cache():
    """Rendered PDFs stay in the (per-process) default cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contract(db):
    """A signed contract: its wijk and its wishes are what an application is for."""
    return contract_in_status("signed")
