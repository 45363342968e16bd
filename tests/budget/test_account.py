"""The public account of the fund: its figures, its CSV and the fund on the wijk and home pages.

Every public page and the download are read for the applicant's personal data.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from budget import selectors
from budget.choices import AllocationStatus, ApplicationStatus, CategoryKind
from budget.models import (
    Allocation,
    Fund,
    InitiativeApplication,
    NeighbourhoodReserve,
    Payment,
)
from tests.conftest import count_queries
from tests.factories import PILOT_PERIOD, FundFactory, NeighbourhoodFactory

DAY = datetime.date(2007, 11, 1)
NAME = "Gerritje Zonnebloem-Kwast"
EMAIL = "g.zonnebloem@voorbeeld-prive.nl"
PHONE = "06-98765432"
REFUSAL_REASON = "Geheime weigerreden 7731"

pytestmark = pytest.mark.django_db
# The `fund` of tests/conftest.py, with at most € 50.000 for organisation costs.
FUND_TERMS = {**PILOT_PERIOD, "name": "Wijkaanpak 2007-2009", "organisation_ceiling": 50000}


@pytest.fixture
def wijk(db):
    return NeighbourhoodFactory(name="Boerhaavewijk", slug="boerhaavewijk")


def allocate(fund, amount, kind=CategoryKind.INITIATIVES, neighbourhood=None, **kwargs):
    return Allocation.objects.create(
        fund=fund,
        category=fund.categories.get(kind=kind),
        neighbourhood=neighbourhood,
        amount=Decimal(amount),
        purpose=kwargs.pop("purpose", "Buurtfeest"),
        decision_date=DAY,
        **kwargs,
    )


def pay(allocation, amount):
    return Payment.objects.create(allocation=allocation, amount=Decimal(amount), paid_on=DAY)


_references = iter(range(1, 10_000))


def apply(fund, neighbourhood, status=ApplicationStatus.SUBMITTED, granted=None, **kwargs):
    """An application with distinctive personal data; a grant books its allocation."""
    reference = f"IA-2007-{next(_references):04d}"
    allocation = None
    if granted is not None:
        allocation = allocate(
            fund,
            granted,
            neighbourhood=neighbourhood,
            purpose=kwargs["title"],
            decision_reference=reference,
        )
    return InitiativeApplication.objects.create(
        reference=reference,
        fund=fund,
        neighbourhood=neighbourhood,
        title=kwargs.pop("title", "Moestuin"),
        description="Een moestuin voor de buurt.",
        own_contribution="Wij spitten zelf.",
        no_other_budget=True,
        amount_requested=Decimal(kwargs.pop("requested", "1000.00")),
        cost_breakdown="Zaad en schoppen.",
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
        status=status,
        amount_granted=Decimal(granted) if granted is not None else None,
        allocation=allocation,
        **kwargs,
    )


@pytest.fixture
def ledger(fund, wijk):
    """Organisation costs, two grants in the wijk (one in part), a refusal and an open one."""
    leaflet = allocate(fund, "12000.50", kind=CategoryKind.ORGANISATION, purpose="Folder")
    pay(leaflet, "12000.50")
    allocate(fund, "3000.25", kind=CategoryKind.ORGANISATION, purpose="Persbijeenkomst")
    garden = apply(fund, wijk, ApplicationStatus.GRANTED, granted="1500.10", title="Moestuin")
    pay(garden.allocation, "500.05")
    apply(fund, wijk, ApplicationStatus.PARTLY_GRANTED, granted="800.00", title="Buurtfeest")
    apply(
        fund,
        wijk,
        ApplicationStatus.REFUSED,
        title="Afgewezen plan",
        decision_reason=REFUSAL_REASON,
    )
    apply(fund, wijk, title="Nog in behandeling")
    return fund


def test_the_account_adds_up_exactly(ledger):
    account = selectors.fund_account(ledger)
    assert account.committed == Decimal("17300.85")
    assert account.paid == Decimal("12500.55")
    assert account.remaining == Decimal("232699.15")
    organisation, initiatives = account.categories
    assert (organisation.slug, organisation.committed, organisation.paid) == (
        CategoryKind.ORGANISATION,
        Decimal("15000.75"),
        Decimal("12000.50"),
    )
    assert organisation.remaining == Decimal("34999.25")
    assert (initiatives.committed, initiatives.paid, initiatives.ceiling) == (
        Decimal("2300.10"),
        Decimal("500.05"),
        None,
    )
    (wijk_line,) = account.neighbourhoods
    unplaced = account.unplaced
    assert (wijk_line.label, wijk_line.committed, wijk_line.paid) == (
        "Boerhaavewijk",
        Decimal("2300.10"),
        Decimal("500.05"),
    )
    assert (unplaced.committed, unplaced.paid) == (Decimal("15000.75"), Decimal("12000.50"))
    # The wijk chart compares wijken: the only wijk fills its bar.
    assert (wijk_line.committed_width, wijk_line.paid_width) == (100, 20)
    assert [a.title for a in account.initiatives] == ["Buurtfeest", "Moestuin"]


def test_the_account_page_shows_the_figures_dutch_style(client, ledger):
    response = client.get(reverse("budget:account"))
    assert response.status_code == 200
    html = response.content.decode()
    for amount in ["€ 250.000,00", "€ 17.300,85", "€ 12.500,55", "€ 232.699,15", "€ 1.500,10"]:
        assert amount in html
    assert "CS/SB/2006/43" in html
    assert reverse("budget:apply") in html
    assert reverse("budget:ledger_csv") in html
    assert "Afgewezen plan" not in html
    assert "Nog in behandeling" not in html
    assert 'style="' not in html
    assert 'data-notice="illustrative"' not in html


@pytest.mark.parametrize(
    ("amount", "scale", "width"),
    [
        (0, 100, 0),
        (1, 1000, 5),
        (50, 100, 50),
        (52, 100, 50),
        (53, 100, 55),
        (100, 100, 100),
        (150, 100, 100),
        (10, None, 0),
    ],
)
def test_bars_are_steps_of_five(amount, scale, width):
    assert selectors.bar_width(Decimal(amount), scale) == width


def test_the_chart_uses_css_classes(client, ledger):
    html = client.get(reverse("budget:account")).content.decode()
    # Organisation: 15,000.75 of its 50,000 ceiling is 30%; paid 12,000.50 is 24% → 25.
    assert "fund-chart__bar--committed bar-w-30" in html
    assert "fund-chart__bar--paid bar-w-25" in html
    assert 'aria-hidden="true"' in html


def test_an_illustrative_fund_is_labelled(client, fund):
    fund.is_illustrative = True
    fund.save()
    html = client.get(reverse("budget:account")).content.decode()
    assert 'data-notice="illustrative"' in html


def test_an_illustrative_allocation_is_labelled(client, fund):
    allocate(fund, "10.00", is_illustrative=True)
    html = client.get(reverse("budget:account")).content.decode()
    assert 'data-notice="illustrative"' in html


def test_without_a_fund_every_page_still_answers(client, wijk):
    response = client.get(reverse("budget:account"))
    assert response.status_code == 200
    assert 'data-fund="none"' in response.content.decode()
    response = client.get(reverse("budget:ledger_csv"))
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1
    assert client.get(reverse("home")).status_code == 200
    detail = client.get(reverse("neighbourhood_detail", kwargs={"slug": wijk.slug}))
    assert detail.status_code == 200
    assert 'data-wijk-fund="none"' in detail.content.decode()


def test_the_current_fund_is_the_latest(fund):
    later = Fund.objects.create(
        name="Wijkaanpak 2010",
        total=Decimal("100000.00"),
        decision_reference="CS/2009/1",
        decision_date=datetime.date(2009, 12, 1),
        period_start=datetime.date(2010, 1, 1),
        period_end=datetime.date(2011, 1, 1),
    )
    assert selectors.current_fund() == later


def read_csv(response):
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_ledger_csv_has_one_row_per_allocation(client, ledger):
    response = client.get(reverse("budget:ledger_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="grootboek.csv"'
    header, *rows = read_csv(response)
    assert len(header) == 8
    assert len(rows) == Allocation.objects.count() == 4
    assert all(len(row) == 8 for row in rows)
    garden = next(row for row in rows if row[4] == "Moestuin")
    assert garden[0] == "2007-11-01"
    assert garden[3] == "Boerhaavewijk"
    assert garden[5:7] == ["1500,10", "500,05"]
    assert garden[1] == InitiativeApplication.objects.get(title="Moestuin").reference
    leaflet = next(row for row in rows if row[4] == "Folder")
    assert leaflet[3] == ""
    assert leaflet[5:7] == ["12000,50", "12000,50"]


def test_the_ledger_csv_shows_the_status(client, fund):
    allocate(fund, "10.00", status=AllocationStatus.CLOSED)
    _, row = read_csv(client.get(reverse("budget:ledger_csv")))
    assert row[7] == str(AllocationStatus.CLOSED.label)


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_ledger_csv_cannot_carry_a_formula(client, fund, start):
    allocate(fund, "10.00", purpose=f'{start}HYPERLINK("http://kwaad.example","klik")')
    allocate(fund, "10.00", purpose="Gewoon", decision_reference=f"{start}1+1")
    _, *rows = read_csv(client.get(reverse("budget:ledger_csv")))
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert f"'{start}1+1" in cells


def test_personal_data_is_on_no_public_page_or_download(client, ledger, wijk):
    for url in [
        reverse("budget:account"),
        reverse("budget:ledger_csv"),
        reverse("home"),
        reverse("neighbourhood_detail", kwargs={"slug": wijk.slug}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        for secret in [NAME, "Zonnebloem", EMAIL, PHONE, "98765432", REFUSAL_REASON]:
            assert secret not in body, (url, secret)


def test_the_wijk_page_shows_its_granted_initiatives(client, ledger, wijk):
    other = NeighbourhoodFactory(name="Leidsebuurt", slug="leidsebuurt")
    apply(ledger, other, ApplicationStatus.GRANTED, granted="999.00", title="Elders")
    html = client.get(reverse("neighbourhood_detail", kwargs={"slug": wijk.slug})).content.decode()
    assert "Moestuin" in html
    assert "Buurtfeest" in html
    assert "Elders" not in html
    assert "Afgewezen plan" not in html
    assert "€ 2.300,10" in html  # committed in this wijk
    assert "€ 500,05" in html  # paid in this wijk
    assert reverse("budget:account") in html
    assert reverse("budget:apply") in html


def test_the_home_page_shows_the_fund_at_a_glance(client, ledger):
    html = client.get(reverse("home")).content.decode()
    for amount in ["€ 250.000,00", "€ 17.300,85", "€ 232.699,15"]:
        assert amount in html
    assert reverse("budget:account") in html


def grow(fund, wijk, times):
    for n in range(times):
        application = apply(
            fund, wijk, ApplicationStatus.GRANTED, granted="10.00", title=f"Initiatief {n}"
        )
        pay(application.allocation, "5.00")
        allocate(fund, "1.00", kind=CategoryKind.ORGANISATION, neighbourhood=None)


@pytest.mark.parametrize("page", ["account", "ledger", "home", "wijk"])
def test_the_number_of_queries_is_fixed(client, fund, wijk, page):
    url = {
        "account": reverse("budget:account"),
        "ledger": reverse("budget:ledger_csv"),
        "home": reverse("home"),
        "wijk": reverse("neighbourhood_detail", kwargs={"slug": wijk.slug}),
    }[page]
    grow(fund, wijk, 2)
    few = count_queries(client, url)
    grow(fund, wijk, 8)
    assert count_queries(client, url) == few


def test_an_indicative_reserve_shows_per_wijk_even_before_anything_is_committed(client, db):
    fund = FundFactory()  # no categories, nothing committed
    wijk = NeighbourhoodFactory(name="Reservewijk", slug="reservewijk")
    NeighbourhoodReserve.objects.create(fund=fund, neighbourhood=wijk, amount=Decimal("40000"))

    content = client.get(reverse("budget:account")).content.decode()

    row = content[content.index('data-neighbourhood="reservewijk"') :]
    row = row[: row.index("</tr>")]
    assert "40.000,00" in row
    with pytest.raises(IntegrityError), transaction.atomic():
        NeighbourhoodReserve.objects.create(fund=fund, neighbourhood=wijk, amount=Decimal("1"))
