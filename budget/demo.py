"""An example fund period for trying the application form in a demo.

The pilot's fund (2 October 2007 – 2 October 2009) is history: its period ended, so it takes
no applications. `create_demo_accounts` (DEBUG only, never on a production site) calls
ensure_demo_fund so that a demo has a fund that is open today. The fund is flagged
`is_illustrative`, so the form, the status page, the home page, the wijk pages and the
public account all say it is made up; applications to it are flagged illustrative too.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from budget.choices import CategoryKind
from budget.models import Fund, FundCategory

DEMO_FUND_NAME = "Bewonersinitiatieven – voorbeeldperiode"
DEMO_DECISION_REFERENCE = "voorbeeld, geen raadsbesluit"
DEMO_TOTAL = Decimal("50000.00")
DEMO_CEILINGS = {
    CategoryKind.ORGANISATION: Decimal("10000.00"),
    CategoryKind.INITIATIVES: Decimal("40000.00"),
}


def is_demo_fund(fund):
    """Whether `fund` is the example period of ensure_demo_fund (the pilot's own fund is
    illustrative too, but it is a real period of the pilot, with made-up figures)."""
    return fund is not None and fund.is_illustrative and fund.name == DEMO_FUND_NAME


def ensure_demo_fund(today):
    """The example fund open on `today`; made when there is none: from 1 January of this year
    to 31 December of the next. Returns (fund, created). Running it again makes nothing."""
    existing = (
        Fund.objects.filter(
            is_illustrative=True,
            name=DEMO_FUND_NAME,
            period_start__lte=today,
            period_end__gte=today,
        )
        .order_by("-period_start")
        .first()
    )
    if existing is not None:
        return existing, False
    start = datetime.date(today.year, 1, 1)
    with transaction.atomic():
        fund = Fund(
            name=DEMO_FUND_NAME,
            total=DEMO_TOTAL,
            decision_reference=DEMO_DECISION_REFERENCE,
            decision_date=start,
            period_start=start,
            period_end=datetime.date(today.year + 1, 12, 31),
            is_illustrative=True,
        )
        fund.full_clean()
        fund.save()
        for kind, ceiling in DEMO_CEILINGS.items():
            FundCategory.objects.create(fund=fund, kind=kind, ceiling=ceiling)
    return fund, True
