"""Money shown the Dutch way, one format for pages, PDFs, e-mails, the admin and messages."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from wijkaanpak.common.money import format_euro, format_euro_or_dash


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("12500"), "€ 12.500,00"),
        (Decimal("250000.00"), "€ 250.000,00"),
        (Decimal("1234567.891"), "€ 1.234.567,89"),
        (Decimal("999.99"), "€ 999,99"),
        (Decimal("0"), "€ 0,00"),
        (Decimal("0.5"), "€ 0,50"),
        (400, "€ 400,00"),
        ("1250.5", "€ 1.250,50"),
    ],
)
def test_thousands_take_a_dot_and_cents_a_comma(amount, shown):
    assert format_euro(amount) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0.005"), "€ 0,01"),
        (Decimal("2.675"), "€ 2,68"),
        (Decimal("2.674"), "€ 2,67"),
        (Decimal("999.995"), "€ 1.000,00"),
        (Decimal("-0.005"), "€ -0,01"),
    ],
)
def test_cents_are_rounded_half_up(amount, shown):
    assert format_euro(amount) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("-1500"), "€ -1.500,00"),
        (Decimal("-0.5"), "€ -0,50"),
        (Decimal("-1234567.89"), "€ -1.234.567,89"),
    ],
)
def test_the_minus_follows_the_euro_sign(amount, shown):
    assert format_euro(amount) == shown


@pytest.mark.parametrize("empty", [None, ""])
def test_no_amount_shows_nothing(empty):
    assert format_euro(empty) == ""


@pytest.mark.parametrize("value", ["geen bedrag", "1,5", [1]])
def test_what_is_not_a_number_is_returned_unchanged(value):
    assert format_euro(value) is value


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(None, "-"), (Decimal("0"), "€ 0,00"), (Decimal("-1500"), "€ -1.500,00")],
)
def test_the_admin_marks_a_missing_amount_with_a_dash(amount, shown):
    assert format_euro_or_dash(amount) == shown


def test_templates_load_the_euro_filter_from_the_money_library():
    template = Template("{% load money %}{{ amount|euro }}|{{ missing|euro }}|{{ word|euro }}")

    shown = template.render(Context({"amount": Decimal("-1234.565"), "word": "nvt"}))

    assert shown == "€ -1.234,57||nvt"
