"""The public account of the fund: the page and the ledger as CSV. No login."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from budget import selectors
from budget.demo import is_demo_fund
from budget.models import Fund
from wijkaanpak.common import csvexport
from wijkaanpak.common.forms import parse_id

PERIOD_PARAMETER = "periode"


def chosen_fund(request, current=None):
    """The fund of ?periode=<id>, or the current fund (`current` when given) without it; 404
    for an unknown one."""
    value = request.GET.get(PERIOD_PARAMETER)
    if value is None:
        return current or selectors.current_fund()
    pk = parse_id(value)
    if pk is None:
        raise Http404("no such fund period")
    try:
        return Fund.objects.select_related("programme").get(pk=pk)
    except Fund.DoesNotExist:
        raise Http404("no such fund period") from None


class FundAccountView(TemplateView):
    """Every euro of a fund (the current programme's, or another period with ?periode=<id>):
    committed, paid and remaining, per category and per wijk, and the granted initiatives,
    without anyone's personal data. Each fund names its programme and links to its page."""

    template_name = "budget/fund_account.html"

    def get_context_data(self, **kwargs):
        # A malformed ?periode= is a 404 before any query.
        fund = chosen_fund(self.request)
        current = selectors.current_fund() if PERIOD_PARAMETER in self.request.GET else fund
        account = selectors.fund_account(fund) if fund else None
        periods = selectors.fund_periods()
        return super().get_context_data(
            account=account,
            periods=periods if len(periods) > 1 else [],
            current_fund=current,
            shows_illustrative=bool(account and account.is_illustrative),
            is_demo_period=is_demo_fund(fund),
            **kwargs,
        )


@require_safe
def ledger_csv(request):
    """The ledger of the current fund (or of ?periode=<id>), one row per allocation, for
    Dutch Excel: semicolons, decimal commas, UTF-8 with a byte order mark. No contact fields,
    no names of staff."""
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
    fund = chosen_fund(request)
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
