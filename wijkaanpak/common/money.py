"""Euros shown the Dutch way, as the council's papers write them: € 250.000,00.

One format for every page, PDF, e-mail, admin screen, message and `__str__`, in every language
of the site: it is how the amounts were agreed. Templates use it as `{{ amount|euro }}` after
`{% load money %}`; Python code calls :func:`format_euro`. A message puts the whole formatted
amount in its placeholder ("Only %(remaining)s remains"), so the translation never writes the
euro sign itself.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def format_euro(amount):
    """`amount` as "€ 1.234,56": rounded to cents half up, dots between thousands, a decimal
    comma, the minus after the euro sign ("€ -1.500,00").

    None and "" give "". Anything that is not a number is returned unchanged, so a template
    shows what it was given rather than breaking.
    """
    if amount is None or amount == "":
        return ""
    try:
        rounded = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return amount
    sign = "-" if rounded < 0 else ""
    whole, cents = f"{abs(rounded):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"€ {sign}{grouped},{cents}"


def format_euro_or_dash(amount):
    """:func:`format_euro`, with "-" for None: the admin's mark for an empty value, so a missing
    amount (no ceiling, nothing granted yet) reads like any other empty field there."""
    return "-" if amount is None else format_euro(amount)


# "1.250" or "1.250.000": Dutch thousands separators without decimals.
_DUTCH_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
# "1.250,50": Dutch thousands separators and a decimal comma.
_DUTCH_GROUPED_DECIMAL = re.compile(r"\d{1,3}(\.\d{3})+,\d+")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def normalise_amount(value):
    """An amount as people in the Netherlands type it ("€ 1.250,50", "1250,50", "1250.50",
    "€ 750,-", "500,00", "EUR 500") as a plain decimal string ("1250.50"), or None when it
    cannot be read as a number. Staff in the admin and residents on the form alike."""
    text = re.sub(r"[\s\u00a0€]", "", str(value or "")).removeprefix("EUR")
    # "750,-" and "750,--": whole euros, as price tags and cheques write them.
    text = re.sub(r"[,.]-{1,2}$", "", text)
    if _DUTCH_GROUPED_DECIMAL.fullmatch(text.lstrip("+-")):
        text = text.replace(".", "").replace(",", ".")
    elif _DUTCH_GROUPED.fullmatch(text.lstrip("+-")):
        text = text.replace(".", "")
    elif "," in text and "." not in text:
        text = text.replace(",", ".")
    return text if _PLAIN_NUMBER.fullmatch(text) else None
