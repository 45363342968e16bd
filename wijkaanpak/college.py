"""The college's decision in the admin, and the college memo (nota) printed from it.

The memo is a staff download from the decision's admin page. It reads the contracts, their
projects and the partners' contributions, and the programme's fund: three apps, so it lives
here, above them. Everything it says comes from the records (the decision's text, the
contracts, the contributions, the fund), so a new round is data entry, not writing.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget.choices import CategoryKind
from budget.models import Fund
from contracts.admin.programmes import ContractChoiceField
from contracts.models import CollegeDecision, Contract, ContractParty
from projects import selectors as project_selectors
from wijkaanpak.common import pdf
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.ratelimits import limit_pdf_renders

MEMO_PERMISSION = "contracts.view_collegedecision"


def memo_contracts(decision):
    """The contracts of `decision` with what the memo says of each: wijk, parties (with their
    partners), and the number of wishes and projects. Two queries."""
    parties = ContractParty.objects.select_related("partner").order_by("order", "pk")
    return list(
        Contract.objects.filter(college_decisions=decision)
        .select_related("neighbourhood__district")
        .prefetch_related(Prefetch("parties", queryset=parties, to_attr="party_list"))
        .annotate(
            wish_count=Count("wishes", distinct=True),
            project_count=Count("projects", distinct=True),
        )
        .order_by("neighbourhood__name", "period_start", "pk")
    )


def memo_fund(programme):
    """The programme's fund with its categories (`category_list`, in the order of their kinds'
    list: organisation before initiatives), or None."""
    fund = Fund.objects.filter(programme=programme).prefetch_related("categories").first()
    if fund is not None:
        kinds = list(CategoryKind.values)
        fund.category_list = sorted(fund.categories.all(), key=lambda c: kinds.index(c.kind))
    return fund


def memo_context(decision):
    """Everything the memo of `decision` prints. The contributions count every contract of
    the decision, drafts included: the college decides before the contracts are public."""
    contracts = memo_contracts(decision)
    contributions = project_selectors.contributions(contracts, public_only=False)
    fund = memo_fund(decision.programme)
    return {
        "decision": decision,
        "programme": decision.programme,
        "contracts": contracts,
        "contributions": contributions,
        "municipal": contributions.municipal,
        "others": [row for row in contributions.rows if not row.is_municipality],
        "fund": fund,
        "shows_illustrative": decision.is_illustrative
        or decision.programme.is_illustrative
        or any(contract.is_illustrative for contract in contracts)
        or contributions.is_illustrative
        or bool(fund and fund.is_illustrative),
        "municipality_name": settings.MUNICIPALITY_NAME,
        "drawn_up_on": timezone.localdate(),
    }


def memo_title(decision):
    return gettext("College memo %(reference)s") % {"reference": decision.reference}


def memo_filename(decision):
    return f"nota-{slugify(decision.reference.replace('/', '-'))}.pdf"


def render_memo(decision):
    """The memo of `decision` as the bytes of a tagged A4 PDF, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return pdf.render_pdf(
            "pdf/college_memo.html",
            memo_context(decision),
            title=memo_title(decision),
            language=settings.LANGUAGE_CODE,
        )


@admin.register(CollegeDecision)
class CollegeDecisionAdmin(ViewOnlyHistoryAdmin):
    """The college's decisions: the record behind the contract pages and the memo (nota)."""

    list_display = ("reference", "meeting_date", "subject", "programme", "is_illustrative")
    list_filter = ("programme", "is_illustrative")
    search_fields = ("reference", "subject")
    date_hierarchy = "meeting_date"
    filter_horizontal = ("contracts",)
    list_select_related = ("programme",)

    fieldsets = (
        (
            None,
            {
                "fields": (
                    "programme",
                    "reference",
                    "meeting_date",
                    "subject",
                    "portfolio_holder",
                    "author",
                    "is_illustrative",
                )
            },
        ),
        (_("The memo's text"), {"fields": ("context", "approved", "communication", "committee")}),
        (_("Contracts"), {"fields": ("contracts",)}),
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "contracts":
            kwargs["queryset"] = Contract.objects.select_related("neighbourhood").order_by(
                "neighbourhood__name", "-period_start"
            )
            # Named by wijk and period: a full title is too wide for the selector's lists.
            kwargs["form_class"] = ContractChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/nota.pdf",
                self.admin_site.admin_view(self.memo_view),
                name="contracts_collegedecision_memo",
            ),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm(MEMO_PERMISSION):
            extra_context["memo_url"] = reverse(
                "admin:contracts_collegedecision_memo", args=[quote(unquote(object_id))]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(limit_pdf_renders)
    def memo_view(self, request, object_id):
        """The college memo (nota) of one decision as PDF: staff with the right to view
        decisions only."""
        if not request.user.has_perm(MEMO_PERMISSION):
            raise PermissionDenied
        decision = self.get_object(request, unquote(object_id))
        if decision is None:
            raise Http404("No such college decision")
        return _memo_response(request, decision)


def _memo_response(request, decision):
    return pdf.pdf_response(
        render_memo(decision), memo_filename(decision), cache_control="private, no-store"
    )
