"""The ledger holds in PostgreSQL itself: raw SQL that would overspend is refused by the
triggers of budget/migrations/0003_ledger_triggers.py, whatever the services are bypassed by.

Each refusal is an IntegrityError (SQLSTATE 23514) that names the rule as its constraint.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from budget import services
from budget.choices import AllocationStatus, CategoryKind
from budget.models import Allocation, Fund, Payment
from tests.conftest import require_postgres, run_at_once
from tests.factories import book_allocation, fund_with_categories

pytestmark = pytest.mark.postgres

DAY = datetime.date(2007, 11, 1)

INSERT_ALLOCATION = """
    INSERT INTO budget_allocation (fund_id, category_id, amount, purpose, decision_date,
        decision_reference, status, is_illustrative, created_at)
    VALUES (%s, %s, %s, 'Rechtstreeks in de tabel', %s, '', %s, false, now())
    RETURNING id
"""
INSERT_PAYMENT = """
    INSERT INTO budget_payment (allocation_id, amount, paid_on, reference, created_at)
    VALUES (%s, %s, %s, '', now()) RETURNING id
"""


def new_fund(total="10000.00", ceiling="4000.00"):
    return fund_with_categories(total=Decimal(total), organisation_ceiling=ceiling)


@pytest.fixture
def fund(db):
    require_postgres()
    return new_fund()


def category(fund, kind=CategoryKind.INITIATIVES):
    return fund.categories.get(kind=kind)


def execute(sql, params):
    """Run one statement in its own savepoint; the id it returns."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
    return row[0] if row else None


def refused(sql, params):
    """The constraint the trigger names when it refuses the statement."""
    with pytest.raises(IntegrityError) as excinfo:
        execute(sql, params)
    diag = excinfo.value.__cause__.diag
    assert diag.sqlstate == "23514"
    return diag.constraint_name


def insert_allocation(fund, amount, kind=CategoryKind.INITIATIVES, category_id=None):
    return (
        INSERT_ALLOCATION,
        [fund.pk, category_id or category(fund, kind).pk, amount, DAY, AllocationStatus.OPEN],
    )


def test_an_allocation_within_the_total_is_accepted_and_one_past_it_refused(fund):
    execute(*insert_allocation(fund, "9000.00"))
    execute(*insert_allocation(fund, "1000.00"))  # exactly the total

    assert refused(*insert_allocation(fund, "0.01")) == "ledger_fund_total"
    assert services.committed(fund) == Decimal("10000.00")


def test_an_allocation_past_its_category_ceiling_is_refused(fund):
    execute(*insert_allocation(fund, "4000.00", kind=CategoryKind.ORGANISATION))

    constraint = refused(*insert_allocation(fund, "0.01", kind=CategoryKind.ORGANISATION))

    assert constraint == "ledger_category_ceiling"
    # The other category still has room up to the fund's total.
    execute(*insert_allocation(fund, "6000.00"))


def test_raising_an_allocation_past_the_total_or_ceiling_is_refused(fund):
    initiative = execute(*insert_allocation(fund, "5000.00"))
    organisation = execute(*insert_allocation(fund, "3000.00", kind=CategoryKind.ORGANISATION))
    update = "UPDATE budget_allocation SET amount = %s WHERE id = %s"

    assert refused(update, ["7000.01", initiative]) == "ledger_fund_total"
    assert refused(update, ["4000.01", organisation]) == "ledger_category_ceiling"
    execute(update, ["7000.00", initiative])
    execute(update, ["3000.00", organisation])
    assert services.committed(fund) == Decimal("10000.00")


def test_moving_an_allocation_to_a_full_category_or_another_fund_is_refused(fund):
    allocation = execute(*insert_allocation(fund, "4500.00"))
    other = new_fund()

    assert (
        refused(
            "UPDATE budget_allocation SET category_id = %s WHERE id = %s",
            [category(fund, CategoryKind.ORGANISATION).pk, allocation],
        )
        == "ledger_category_ceiling"
    )
    assert (
        refused(*insert_allocation(fund, "10.00", category_id=category(other).pk))
        == "ledger_category_of_fund"
    )


def test_payments_together_never_pass_their_allocation(fund):
    allocation = execute(*insert_allocation(fund, "1000.00"))
    execute(INSERT_PAYMENT, [allocation, "600.00", DAY])

    assert refused(INSERT_PAYMENT, [allocation, "400.01", DAY]) == (
        "ledger_payments_within_allocation"
    )
    payment = execute(INSERT_PAYMENT, [allocation, "400.00", DAY])
    assert (
        refused("UPDATE budget_payment SET amount = %s WHERE id = %s", ["400.01", payment])
        == "ledger_payments_within_allocation"
    )
    assert Payment.objects.filter(allocation_id=allocation).count() == 2


def test_a_single_payment_above_its_allocation_is_refused(fund):
    allocation = execute(*insert_allocation(fund, "1000.00"))

    assert refused(INSERT_PAYMENT, [allocation, "1000.01", DAY]) == (
        "ledger_payments_within_allocation"
    )
    assert not Payment.objects.exists()


def test_an_allocation_cannot_be_lowered_below_what_was_paid(fund):
    allocation = execute(*insert_allocation(fund, "1000.00"))
    execute(INSERT_PAYMENT, [allocation, "700.00", DAY])
    update = "UPDATE budget_allocation SET amount = %s WHERE id = %s"

    assert refused(update, ["699.99", allocation]) == "ledger_payments_within_allocation"
    execute(update, ["700.00", allocation])
    assert Allocation.objects.get(pk=allocation).amount == Decimal("700.00")


def test_a_closed_allocation_takes_no_further_payment(fund):
    allocation = book_allocation(fund, "1000.00")
    services.record_payment(allocation, amount="250.00", paid_on=DAY)
    services.close_allocation(allocation)

    assert refused(INSERT_PAYMENT, [allocation.pk, "0.01", DAY]) == (
        "ledger_payments_within_allocation"
    )


def test_a_fund_total_or_ceiling_cannot_go_below_what_is_committed(fund):
    execute(*insert_allocation(fund, "3000.00", kind=CategoryKind.ORGANISATION))
    execute(*insert_allocation(fund, "5000.00"))
    organisation = category(fund, CategoryKind.ORGANISATION)
    initiatives = category(fund)
    set_total = "UPDATE budget_fund SET total = %s WHERE id = %s"
    set_ceiling = "UPDATE budget_fundcategory SET ceiling = %s WHERE id = %s"

    assert refused(set_total, ["7999.99", fund.pk]) == "ledger_fund_total"
    assert refused(set_ceiling, ["2999.99", organisation.pk]) == "ledger_category_ceiling"
    # A category without a ceiling that gets one below its commitments.
    assert refused(set_ceiling, ["4999.99", initiatives.pk]) == "ledger_category_ceiling"

    execute(set_total, ["8000.00", fund.pk])
    execute(set_ceiling, ["3000.00", organisation.pk])
    execute(set_ceiling, ["5000.00", initiatives.pk])
    fund.refresh_from_db()
    assert fund.total == Decimal("8000.00")


def test_the_orm_is_refused_too(fund):
    Allocation.objects.create(
        fund=fund,
        category=category(fund),
        amount=Decimal("10000.00"),
        purpose="Alles",
        decision_date=DAY,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(total=Decimal("9999.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(fund=fund).update(amount=Decimal("10000.01"))


def test_a_deferred_check_lets_a_transaction_pass_through_an_intermediate_state(fund):
    """A bulk load may defer the checks to its commit; the end state must still hold."""
    allocation = execute(*insert_allocation(fund, "9000.00"))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        execute("UPDATE budget_fund SET total = %s WHERE id = %s", ["5000.00", fund.pk])
        execute("UPDATE budget_allocation SET amount = %s WHERE id = %s", ["5000.00", allocation])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks what was deferred, now
    fund.refresh_from_db()
    assert fund.total == Decimal("5000.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        execute("UPDATE budget_fund SET total = %s WHERE id = %s", ["4000.00", fund.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    fund.refresh_from_db()
    assert fund.total == Decimal("5000.00")


@pytest.mark.django_db(transaction=True)
def test_two_raw_inserts_at_once_cannot_both_pass():
    """Each fits alone, not both: the first holds the fund's row lock until it commits; the
    second waits for it, then sums again and sees the first."""
    require_postgres()
    fund = new_fund()
    initiatives = category(fund).pk
    first_inserted = threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(INSERT_ALLOCATION, [fund.pk, initiatives, "6000.00", DAY, "open"])
                first_inserted.set()
                time.sleep(0.5)  # the second is now waiting for the fund's row
            outcomes["first"] = "committed"
        finally:
            first_inserted.set()
            connection.close()

    def second():
        first_inserted.wait(timeout=20)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(INSERT_ALLOCATION, [fund.pk, initiatives, "6000.00", DAY, "open"])
            outcomes["second"] = "committed"
        except IntegrityError as error:
            outcomes["second"] = error.__cause__.diag.constraint_name
        finally:
            connection.close()

    run_at_once([first, second])

    assert outcomes == {"first": "committed", "second": "ledger_fund_total"}
    assert services.committed(fund) == Decimal("6000.00")


def test_an_admin_edit_that_the_trigger_refuses_is_a_message_not_an_error_page(
    client, superuser, monkeypatch
):
    """The admin form checks without the fund's lock; when a booking slips in between (here:
    the form's check is made to miss it), the trigger refuses, nothing is saved and the
    superuser reads why."""
    require_postgres()
    from budget.admin.forms import FundAdminForm
    from tests.budget.test_admin import fund_form, url

    fund = new_fund(total="250000.00", ceiling="50000.00")
    execute(*insert_allocation(fund, "30000.00"))
    monkeypatch.setattr(FundAdminForm, "clean_total", lambda form: form.cleaned_data["total"])
    client.force_login(superuser)

    response = client.post(
        url("fund", "change", fund.pk), fund_form(fund, total="20000", ceiling="50000")
    )

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert any("ledger_refused" in message.tags for message in page.context["messages"])
    fund.refresh_from_db()
    assert fund.total == Decimal("250000.00")
