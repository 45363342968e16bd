"""The public account of the fund: the page and the ledger as CSV. No login."""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from budget import selectors

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FundAccountView(TemplateView):
    """Every euro of the current fund: committed, paid and remaining, per category and per
    wijk, and the granted initiatives, without anyone's personal data."""

    template_name = "budget/fund_account.html"

    def get_context_data(self, **kwargs):
        fund = selectors.current_fund()
        account = selectors.fund_account(fund) if fund else None
        return super().get_context_data(
            account=account,
            shows_illustrative=bool(account and account.is_illustrative),
            **kwargs,
        )


def safe_cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def dutch_decimal(amount):
    """1250.50 → "1250,50": Dutch Excel reads a decimal comma as a number."""
    return f"{amount:.2f}".replace(".", ",")


@require_safe
def ledger_csv(request):
    """The ledger of the current fund, one row per allocation, for Dutch Excel: semicolons,
    decimal commas, UTF-8 with a byte order mark. No contact fields, no names of staff."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grootboek.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("date"),
            _("reference"),
            _("category"),
            _("neighbourhood"),
            _("purpose"),
            _("committed"),
            _("paid"),
            _("status"),
        ]
    )
    fund = selectors.current_fund()
    if fund is None:
        return response
    for allocation in selectors.ledger(fund):
        writer.writerow(
            [
                allocation.decision_date.isoformat(),
                safe_cell(allocation.decision_reference),
                safe_cell(allocation.category.get_kind_display()),
                safe_cell(allocation.neighbourhood.name if allocation.neighbourhood else ""),
                safe_cell(allocation.purpose),
                dutch_decimal(allocation.amount),
                dutch_decimal(allocation.paid),
                safe_cell(allocation.get_status_display()),
            ]
        )
    return response
