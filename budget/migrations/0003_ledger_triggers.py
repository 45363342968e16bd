"""The ledger holds in the database itself (PostgreSQL only).

budget.services checks every booking under a row lock on the fund and refuses with a Dutch
message; these triggers are the last line of defence, for whatever reaches the tables another
way (raw SQL, a script, a future code path that forgets the service). They mirror the services:

- committed = the sum of `amount` over every allocation of a fund, whatever its status (closing
  or reducing an allocation lowers its amount to what stays committed);
- that sum never passes the fund's total, nor, per category with a ceiling, the ceiling;
- an allocation's category belongs to the allocation's fund;
- the payments of an allocation together never pass its amount (so a closed allocation, whose
  amount is what was paid, takes no more);
- a fund's total or a category's ceiling is never set below what is already committed.

Each check first locks the fund's row (SELECT … FOR UPDATE, the same lock the services take,
in the same order: fund, then allocation), so two transactions that each fit alone cannot
both pass under READ COMMITTED (Django's default): the second waits, then sums again and sees
the first. A refusal raises SQLSTATE 23514 (check_violation, an IntegrityError in Django) and
names the rule as its constraint (ledger_fund_total, ledger_category_ceiling,
ledger_category_of_fund, ledger_payments_within_allocation).

The triggers are constraint triggers, DEFERRABLE INITIALLY IMMEDIATE: they check each row at
once, and a bulk load that must pass through an intermediate state may `SET CONSTRAINTS ALL
DEFERRED` to check at commit instead. pg_dump creates triggers after the data, so a restore
does not run them row by row. On SQLite this migration does nothing.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION budget_ledger_check_fund(p_fund_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_total numeric;
    v_committed numeric;
    v_category record;
BEGIN
    SELECT total INTO v_total FROM budget_fund WHERE id = p_fund_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;  -- the fund is gone; its foreign keys answer for that
    END IF;
    SELECT COALESCE(SUM(amount), 0) INTO v_committed
        FROM budget_allocation WHERE fund_id = p_fund_id;
    IF v_committed > v_total THEN
        RAISE EXCEPTION 'ledger: fund % would commit % of its total %',
                p_fund_id, v_committed, v_total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_fund_total';
    END IF;
    FOR v_category IN
        SELECT c.id, c.ceiling, COALESCE(SUM(a.amount), 0) AS committed
            FROM budget_fundcategory c
            LEFT JOIN budget_allocation a ON a.category_id = c.id
            WHERE c.fund_id = p_fund_id AND c.ceiling IS NOT NULL
            GROUP BY c.id, c.ceiling
    LOOP
        IF v_category.committed > v_category.ceiling THEN
            RAISE EXCEPTION 'ledger: category % would commit % of its ceiling %',
                    v_category.id, v_category.committed, v_category.ceiling
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_category_ceiling';
        END IF;
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION budget_ledger_check_allocation_payments(p_allocation_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_amount numeric;
    v_paid numeric;
BEGIN
    SELECT amount INTO v_amount FROM budget_allocation WHERE id = p_allocation_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT COALESCE(SUM(amount), 0) INTO v_paid
        FROM budget_payment WHERE allocation_id = p_allocation_id;
    IF v_paid > v_amount THEN
        RAISE EXCEPTION 'ledger: allocation % would pay % of its %',
                p_allocation_id, v_paid, v_amount
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'ledger_payments_within_allocation';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION budget_ledger_allocation_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_fund_id bigint;
    v_category_id bigint;
    v_category_fund bigint;
BEGIN
    -- The allocation as it is now (a deferred check runs after later changes to the row).
    SELECT fund_id, category_id INTO v_fund_id, v_category_id
        FROM budget_allocation WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM budget_ledger_check_fund(v_fund_id);
    IF TG_OP = 'UPDATE' AND OLD.fund_id <> v_fund_id THEN
        PERFORM budget_ledger_check_fund(OLD.fund_id);
    END IF;
    SELECT fund_id INTO v_category_fund FROM budget_fundcategory WHERE id = v_category_id;
    IF FOUND AND v_category_fund <> v_fund_id THEN
        RAISE EXCEPTION 'ledger: allocation % is in category % of another fund',
                NEW.id, v_category_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_category_of_fund';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Lowered below what was paid?
        PERFORM budget_ledger_check_allocation_payments(NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION budget_ledger_payment_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_fund_id bigint;
BEGIN
    SELECT a.fund_id INTO v_fund_id
        FROM budget_payment p JOIN budget_allocation a ON a.id = p.allocation_id
        WHERE p.id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- The services' order: the fund first, then the allocation.
    PERFORM 1 FROM budget_fund WHERE id = v_fund_id FOR UPDATE;
    PERFORM budget_ledger_check_allocation_payments(
        (SELECT allocation_id FROM budget_payment WHERE id = NEW.id));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION budget_ledger_fund_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM budget_ledger_check_fund(NEW.id);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION budget_ledger_category_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM budget_ledger_check_fund(
        (SELECT fund_id FROM budget_fundcategory WHERE id = NEW.id));
    IF TG_OP = 'UPDATE' AND OLD.fund_id <> NEW.fund_id THEN
        PERFORM budget_ledger_check_fund(OLD.fund_id);
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = """
CREATE CONSTRAINT TRIGGER budget_ledger_allocation
    AFTER INSERT OR UPDATE OF amount, fund_id, category_id ON budget_allocation
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION budget_ledger_allocation_trigger();

CREATE CONSTRAINT TRIGGER budget_ledger_payment
    AFTER INSERT OR UPDATE OF amount, allocation_id ON budget_payment
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION budget_ledger_payment_trigger();

CREATE CONSTRAINT TRIGGER budget_ledger_fund
    AFTER UPDATE OF total ON budget_fund
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION budget_ledger_fund_trigger();

CREATE CONSTRAINT TRIGGER budget_ledger_category
    AFTER INSERT OR UPDATE OF ceiling, fund_id ON budget_fundcategory
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION budget_ledger_category_trigger();
"""

DROP = """
DROP TRIGGER IF EXISTS budget_ledger_allocation ON budget_allocation;
DROP TRIGGER IF EXISTS budget_ledger_payment ON budget_payment;
DROP TRIGGER IF EXISTS budget_ledger_fund ON budget_fund;
DROP TRIGGER IF EXISTS budget_ledger_category ON budget_fundcategory;
DROP FUNCTION IF EXISTS budget_ledger_allocation_trigger();
DROP FUNCTION IF EXISTS budget_ledger_payment_trigger();
DROP FUNCTION IF EXISTS budget_ledger_fund_trigger();
DROP FUNCTION IF EXISTS budget_ledger_category_trigger();
DROP FUNCTION IF EXISTS budget_ledger_check_allocation_payments(bigint);
DROP FUNCTION IF EXISTS budget_ledger_check_fund(bigint);
"""


def _run(schema_editor, sql):
    # Without parameters, so the "%" of RAISE is not read as a placeholder.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, FUNCTIONS)
        _run(schema_editor, TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0002_neighbourhood_reserve"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
