"""Reads of the fund for the public: the account, the ledger, a wijk's initiatives; and, at
the end, what waits for the budget managers (the admin's desk).

Everything here but that last part is public. Applications are read with `.only()` on the
fields a visitor may see, so the applicant's contact details are never even loaded into a
public page. Sums are made by the database per category and per wijk, payments in a separate
query from the commitments (joining both would count each commitment once per payment). The
number of queries is fixed, however many allocations, payments and applications there are.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budget.choices import DECIDED_STATUSES, GRANTED_STATUSES, ApplicationStatus, CategoryKind
from budget.models import (
    ZERO,
    Allocation,
    Fund,
    FundCategory,
    InitiativeApplication,
    NeighbourhoodReserve,
    Payment,
)
from contracts.models import Programme
from wijkaanpak.common import mail
from wijkaanpak.common.secret_links import secret_matches

# Public fields of an application; never the contact fields or the decision reason.
PUBLIC_APPLICATION_FIELDS = (
    "reference",
    "title",
    "amount_granted",
    "status",
    "is_illustrative",
    "neighbourhood__name",
    "neighbourhood__slug",
)

BAR_STEP = 5


def bar_width(amount, scale):
    """`amount` as a share of `scale` in steps of 5 (0–100), for the .bar-w-N classes.

    Any amount above zero gets at least one step, so a small commitment stays visible.
    """
    if not scale or scale <= 0 or amount <= 0:
        return 0
    share = (Decimal(amount) / Decimal(scale) * 100 / BAR_STEP).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    return int(min(max(share, 1), 100 // BAR_STEP) * BAR_STEP)


@dataclass
class Line:
    """One row of the account: committed and paid, against a scale for the chart."""

    label: str
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    ceiling: Decimal | None = None
    scale: Decimal | None = None
    slug: str = ""
    reserve: Decimal | None = None

    @property
    def remaining(self):
        return None if self.ceiling is None else self.ceiling - self.committed

    @property
    def committed_width(self):
        return bar_width(self.committed, self.scale)

    @property
    def paid_width(self):
        return bar_width(self.paid, self.scale)


@dataclass
class Account:
    fund: Fund
    committed: Decimal
    paid: Decimal
    categories: list[Line] = field(default_factory=list)
    neighbourhoods: list[Line] = field(default_factory=list)
    unplaced: Line | None = None
    initiatives: list[InitiativeApplication] = field(default_factory=list)
    is_illustrative: bool = False

    @property
    def remaining(self):
        return self.fund.total - self.committed

    @property
    def total_line(self):
        return Line(
            label=self.fund.name, committed=self.committed, paid=self.paid, scale=self.fund.total
        )

    @property
    def remaining_width(self):
        return bar_width(self.remaining, self.fund.total)


def current_fund():
    """The fund of the current programme (contracts.Programme.objects.current()) when it has
    one; otherwise the fund that started last; or None."""
    programme = Programme.objects.current()
    funds = Fund.objects.select_related("programme")
    fund = funds.filter(programme=programme).first() if programme else None
    if fund is not None:
        return fund
    return funds.order_by("-period_start").first()


def programme_fund(programme):
    """The fund of `programme`, or None."""
    return Fund.objects.filter(programme=programme).first()


def contract_fund(contract):
    """The fund of `contract`'s programme when it has one, else the current fund, or None."""
    if contract is not None and contract.programme_id is not None:
        fund = Fund.objects.filter(programme_id=contract.programme_id).first()
        if fund is not None:
            return fund
    return current_fund()


def fund_overlapping(start, end):
    """The latest fund whose period covers part of `start`–`end` (a contract's), or None."""
    return (
        Fund.objects.filter(period_start__lte=end, period_end__gte=start)
        .order_by("-period_start")
        .first()
    )


def fund_periods():
    """Every fund, latest first, with its programme: the periods the public account can show."""
    return list(
        Fund.objects.select_related("programme")
        .order_by("-period_start", "name")
        .only(
            "name",
            "period_start",
            "period_end",
            "is_illustrative",
            "programme__name",
            "programme__slug",
        )
    )


def fund_for_applications(day):
    """The fund residents apply to on `day`: the latest one whose period holds that day, or
    else the current fund (which then says it is closed, or not open yet), or None."""
    open_fund = (
        Fund.objects.filter(period_start__lte=day, period_end__gte=day)
        .order_by("-period_start")
        .first()
    )
    return open_fund or current_fund()


# What the status page shows: the application's own course, never its contact data.
STATUS_FIELDS = (
    "reference",
    "title",
    "status",
    "submitted_at",
    "amount_requested",
    "amount_granted",
    "decision_reason",
    "decided_at",
    "is_illustrative",
    "status_token_hash",
    "allocation",
    "neighbourhood__name",
    "neighbourhood__slug",
    "fund__name",
    "fund__is_illustrative",
)


def application_for_status(reference, token):
    """The application with this reference whose status-link secret is `token`, or None.

    Only the secret's SHA-256 is stored; it is compared in constant time. An unknown
    reference, a wrong secret and an application without a link (erased, or from before
    links existed) all give None, after the same work. So does a reference no application
    can have: one with a NUL character (which PostgreSQL refuses in a query) or one longer
    than the field."""
    longest = InitiativeApplication._meta.get_field("reference").max_length
    application = (
        InitiativeApplication.objects.filter(reference=reference)
        .select_related("neighbourhood", "fund")
        .only(*STATUS_FIELDS)
        .first()
        if "\x00" not in reference and len(reference) <= longest
        else None
    )
    stored = application.status_token_hash if application else ""
    return application if secret_matches(stored, token) else None


def granted_initiatives(fund, neighbourhood=None):
    """The granted (in full or in part) applications of `fund`, by wijk and title."""
    applications = (
        InitiativeApplication.objects.filter(fund=fund, status__in=GRANTED_STATUSES)
        .select_related("neighbourhood")
        .only(*PUBLIC_APPLICATION_FIELDS)
        .order_by("neighbourhood__name", "title", "pk")
    )
    if neighbourhood is not None:
        applications = applications.filter(neighbourhood=neighbourhood)
    return list(applications)


def _sums(queryset, key):
    rows = queryset.order_by().values(key).annotate(total=Sum("amount"))
    return {row[key]: row["total"] for row in rows}


def fund_account(fund):
    """The public account of `fund`: totals, per category, per wijk, granted initiatives."""
    allocations = Allocation.objects.filter(fund=fund)
    payments = Payment.objects.filter(allocation__fund=fund)

    committed_by_category = _sums(allocations, "category_id")
    paid_by_category = _sums(payments, "allocation__category_id")
    categories = []
    for category in fund.categories.all():
        categories.append(
            Line(
                label=category.get_kind_display(),
                committed=committed_by_category.get(category.pk) or ZERO,
                paid=paid_by_category.get(category.pk) or ZERO,
                ceiling=category.ceiling,
                scale=category.ceiling or fund.total,
                slug=category.kind,
            )
        )
    categories.sort(key=lambda line: list(CategoryKind.values).index(line.slug))

    by_wijk = list(
        allocations.order_by()
        .values("neighbourhood_id", "neighbourhood__name", "neighbourhood__slug")
        .annotate(total=Sum("amount"))
    )
    paid_by_wijk = _sums(payments, "allocation__neighbourhood_id")
    committed_by_wijk = {row["neighbourhood_id"]: row["total"] for row in by_wijk}
    reserves = {
        reserve.neighbourhood_id: reserve
        for reserve in NeighbourhoodReserve.objects.filter(fund=fund).select_related(
            "neighbourhood"
        )
    }
    lines = {
        row["neighbourhood_id"]: Line(
            label=row["neighbourhood__name"],
            committed=row["total"] or ZERO,
            paid=paid_by_wijk.get(row["neighbourhood_id"]) or ZERO,
            slug=row["neighbourhood__slug"],
        )
        for row in by_wijk
        if row["neighbourhood_id"] is not None
    }
    for neighbourhood_id, reserve in reserves.items():
        line = lines.setdefault(
            neighbourhood_id,
            Line(label=reserve.neighbourhood.name, slug=reserve.neighbourhood.slug),
        )
        line.reserve = reserve.amount
    neighbourhoods = sorted(lines.values(), key=lambda line: line.label.casefold())
    unplaced = None
    if None in committed_by_wijk:
        # Organisation costs belong to no wijk; the table shows them so its rows add up.
        unplaced = Line(
            label=_("Not tied to a neighbourhood"),
            committed=committed_by_wijk[None] or ZERO,
            paid=paid_by_wijk.get(None) or ZERO,
        )
    # The chart compares the wijken with each other: against the largest, not the fund.
    largest = max((line.committed for line in neighbourhoods), default=ZERO)
    for line in neighbourhoods:
        line.scale = largest

    initiatives = granted_initiatives(fund)
    return Account(
        fund=fund,
        committed=sum((line.committed for line in categories), ZERO),
        paid=sum((line.paid for line in categories), ZERO),
        categories=categories,
        neighbourhoods=neighbourhoods,
        unplaced=unplaced,
        initiatives=initiatives,
        is_illustrative=fund.is_illustrative
        or allocations.filter(is_illustrative=True).exists()
        or any(application.is_illustrative for application in initiatives),
    )


def fund_figures(fund):
    """The account of `fund` with only its four figures (total, committed, paid, remaining)
    and whether it shows demo data: what a programme's page shows. Three queries however many
    allocations and payments; no lines per category or wijk (fund_account has those)."""
    allocations = Allocation.objects.filter(fund=fund)
    committed = allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    paid = (
        Payment.objects.filter(allocation__fund=fund).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    granted = InitiativeApplication.objects.filter(fund=fund, status__in=GRANTED_STATUSES)
    return Account(
        fund=fund,
        committed=committed,
        paid=paid,
        is_illustrative=fund.is_illustrative
        or allocations.filter(is_illustrative=True).exists()
        or granted.filter(is_illustrative=True).exists(),
    )


def fund_at_a_glance(fund):
    """Total, committed and remaining of `fund`, for the home page (one query)."""
    committed = Allocation.objects.filter(fund=fund).aggregate(total=Sum("amount"))["total"]
    committed = committed or ZERO
    return {
        "fund": fund,
        "committed": committed,
        "remaining": fund.total - committed,
        "committed_width": bar_width(committed, fund.total),
    }


def neighbourhood_fund(fund, neighbourhood):
    """What `fund` committed and paid in `neighbourhood`, and its granted initiatives there."""
    allocations = Allocation.objects.filter(fund=fund, neighbourhood=neighbourhood)
    committed = allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    paid = (
        Payment.objects.filter(allocation__in=allocations).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    initiatives = granted_initiatives(fund, neighbourhood)
    return {
        "fund": fund,
        "committed": committed,
        "paid": paid,
        "initiatives": initiatives,
        "is_illustrative": fund.is_illustrative
        or any(application.is_illustrative for application in initiatives),
    }


def ledger(fund):
    """Every allocation of `fund` with what was paid against it, oldest first (one query)."""
    paid = (
        Payment.objects.filter(allocation=OuterRef("pk"))
        .order_by()
        .values("allocation")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Allocation.objects.filter(fund=fund)
        .select_related("category", "neighbourhood")
        .annotate(
            paid=Coalesce(
                Subquery(paid),
                Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("decision_date", "pk")
    )


# --- What waits for the budget managers (the admin's desk) --------------------------------------

# The application form promises the decision within four weeks of the application.
ANSWER_WITHIN = datetime.timedelta(weeks=4)
WAITING_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def answer_due(application):
    """The last day of the four weeks the form promises for the decision on `application`."""
    return timezone.localdate(application.submitted_at) + ANSWER_WITHIN


def waiting_applications():
    """Applications waiting for a decision (submitted or in review), the oldest first."""
    return InitiativeApplication.objects.filter(status__in=WAITING_STATUSES).order_by(
        "submitted_at", "pk"
    )


def overdue_applications(today=None):
    """Waiting applications whose four weeks have passed: submitted more than four weeks
    before `today` (an application of 1 November is due on 29 November, overdue from the
    30th)."""
    today = today or timezone.localdate()
    last_day_in_time = today - ANSWER_WITHIN
    start_of_next_day = datetime.datetime.combine(
        last_day_in_time, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return waiting_applications().filter(submitted_at__lt=start_of_next_day)


def _decision_letters():
    """The outbox's mails that are the decision letter of the application in the outer query.

    An application keeps no link to its letter; `budget.emails.send_decision` writes it to the
    outbox in the transaction of the decision, as the one mail to the applicant's contact
    address whose subject names the application's reference and that was written at or after
    the moment of the decision (the receipt, the only other mail to that address naming the
    reference, was written when the application came in).
    """
    return mail.outbox_mails().filter(
        to=OuterRef("contact_email"),
        subject__contains=OuterRef("reference"),
        created__gte=OuterRef("decided_at"),
    )


def decisions_without_sent_letter():
    """Decided applications (granted, partly granted, refused) whose decision letter has not
    been sent, each with `letter_state`: that of its newest letter in the outbox
    (mail.QUEUED: waiting, also for a retry; mail.FAILED: given up), or None when there is
    none (a decision recorded without its letter, as the pilot's replay of 2008 does).

    "Sent" is what the outbox knows: the letter (see _decision_letters) was delivered to the
    mail server. Applications whose personal data has been erased are left out: their address
    is gone, and the copies of their mails were erased with it, on purpose. The outbox keeps
    a sent mail for a year (`cleanup_mail --days 365`); a decision older than that has no
    letter left to show and is counted here too, until its personal data is erased.
    """
    letters = _decision_letters()
    newest_state = (
        letters.annotate(state=mail.delivery_state_expression())
        .order_by("-created", "-pk")
        .values("state")[:1]
    )
    return (
        InitiativeApplication.objects.filter(
            status__in=DECIDED_STATUSES, personal_data_erased_at__isnull=True
        )
        .exclude(contact_email="")
        .annotate(letter_state=Subquery(newest_state))
        .exclude(
            Exists(letters.annotate(state=mail.delivery_state_expression()).filter(state=mail.SENT))
        )
        .order_by("decided_at", "pk")
    )


@dataclass
class CategoryRoom:
    """What a category of the fund has committed and can still commit (`room`)."""

    category: FundCategory
    line: Line
    room: Decimal
    allocations: int


def fund_room(fund):
    """Per category of `fund` (in the order of the account): what it can still commit.

    The room of a category is what is left under its ceiling, and never more than the fund's
    own uncommitted total: the same sums budget.services checks a booking against (for the
    initiatives it equals services.available_for_initiatives). Made from fund_account()'s
    lines, with the number of allocations per category.
    """
    account = fund_account(fund)
    categories = {category.kind: category for category in fund.categories.all()}
    counts = dict(
        Allocation.objects.filter(fund=fund)
        .order_by()
        .values("category_id")
        .annotate(count=Count("pk"))
        .values_list("category_id", "count")
    )
    rooms = []
    for line in account.categories:
        category = categories[line.slug]
        room = (
            account.remaining if line.remaining is None else min(line.remaining, account.remaining)
        )
        rooms.append(
            CategoryRoom(
                category=category,
                line=line,
                room=max(room, ZERO),
                allocations=counts.get(category.pk, 0),
            )
        )
    return account, rooms
