"""The project every property of tests/hostile works on, made once per module.

A project in a signed contract costs seconds (its final PDF is rendered); made once per
module in a transaction that is rolled back after it, as the pilot is (tests/conftest.py),
every test of the module starts from it in its own savepoint."""

import pytest
from django.db import transaction
from django.test import override_settings

from projects.models import Project
from tests.factories import project_in_signed_contract


@pytest.fixture(scope="module")
def _signed_project(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("hostile-media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        yield project_in_signed_contract().pk
        transaction.set_rollback(True)


@pytest.fixture
def project(_signed_project, db):
    """A project in a signed contract (tests/conftest.py's `project`, made once per module)."""
    return Project.objects.select_related("contract__neighbourhood").get(pk=_signed_project)
