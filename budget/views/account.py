"""The public account of the fund: the page and the ledger as CSV. No login."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from budget import selectors
from wijkaanpak.common import csvexport


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


@require_safe
def ledger_csv(request):
    """The ledger of the current fund, one row per allocation, for Dutch Excel: semicolons,
    decimal commas, UTF-8 with a byte order mark. No contact fields, no names of staff."""
    header = [
        _("date"),
        _("reference"),
        _("category"),
        _("neighbourhood"),
        _("purpose"),
        _("committed"),
        _("paid"),
        _("status"),
    ]
    fund = selectors.current_fund()
    allocations = selectors.ledger(fund) if fund is not None else []
    rows = (
        [
            allocation.decision_date,
            allocation.decision_reference,
            allocation.category.get_kind_display(),
            allocation.neighbourhood.name if allocation.neighbourhood else "",
            allocation.purpose,
            allocation.amount,
            allocation.paid,
            allocation.get_status_display(),
        ]
        for allocation in allocations
    )
    return csvexport.csv_response("grootboek.csv", header, rows)
