"""What only a real PostgreSQL can show: the row lock of the lifecycle service."""

import functools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange
from tests.conftest import IN_CI, require_postgres, run_at_once
from tests.factories import contract_in_status, take_step


@pytest.mark.postgres
@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    if not IN_CI:
        pytest.skip("outside CI the suite may run on SQLite")
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_steps_at_the_same_moment_cannot_both_happen():
    require_postgres()
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    barrier = threading.Barrier(2)
    outcomes = []

    def step(to_status):
        try:
            stale = Contract.objects.get(pk=contract.pk)
            barrier.wait(timeout=10)
            take_step(stale, to_status)
            outcomes.append(("moved", to_status))
        except ValidationError as error:
            outcomes.append(("refused", error.error_list[0].code))
        finally:
            connection.close()

    run_at_once(
        [
            functools.partial(step, target)
            for target in (ContractStatus.SIGNED, ContractStatus.DRAFT)
        ],
        timeout=30,
    )

    assert sorted(kind for kind, _detail in outcomes) == ["moved", "refused"]
    # Signing is refused by register_signing's own check, a step back by the table.
    refusal = next(detail for kind, detail in outcomes if kind == "refused")
    assert refusal in {"transition_not_allowed", "not_ready_for_signing"}
    # One step taken after the two that made it ready for signing; the final status is the
    # one the winning step set.
    winner = next(detail for kind, detail in outcomes if kind == "moved")
    assert Contract.objects.get(pk=contract.pk).status == winner
    assert ContractStatusChange.objects.filter(contract=contract).count() == 2
