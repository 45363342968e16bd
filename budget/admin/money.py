"""Euros shown the Dutch way, as the council's papers write them: € 250.000,00."""

from decimal import Decimal


def euros(amount):
    """`amount` as "€ 1.234,56" (with a minus before the digits when negative); "-" for None."""
    if amount is None:
        return "-"
    amount = Decimal(amount).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"€ {sign}{'.'.join(groups)},{cents}"
