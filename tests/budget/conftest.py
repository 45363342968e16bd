"""Fixtures of the fund's tests: what an application refers to, and a cache emptied around a
test. The fund itself is in tests/conftest.py (a module sets its terms in FUND_TERMS)."""

import pytest
from django.core.cache import cache

from tests.factories import contract_in_status, project_in_signed_contract


@pytest.fixture
def empty_cache():
    """The application form's rate limit counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contract(db):
    """A signed contract: its wijk and its wishes are what an application is for."""
    return contract_in_status("signed")


@pytest.fixture
def project(db):
    """A project in a signed contract."""
    return project_in_signed_contract()


@pytest.fixture
def wish(project):
    """A wish of the signed contract of `project`."""
    return project.contract.wishes.first()
