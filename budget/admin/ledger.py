"""The fund and its ledger in the admin: funds (superusers), allocations booked, reduced,
closed and paid through `budget.services`, and payments that are never changed."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget import services
from budget.admin.forms import (
    AllocationBookingForm,
    AmountForm,
    FundAdminForm,
    FundCategoryAdminForm,
    PaymentForm,
)
from budget.choices import AllocationStatus
from budget.models import ZERO, Allocation, Fund, FundCategory, NeighbourhoodReserve, Payment
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledTabularInline
from wijkaanpak.common.admin.views import (
    ObjectActionsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
)
from wijkaanpak.common.money import format_euro, format_euro_or_dash

MONEY = DecimalField(max_digits=12, decimal_places=2)


def _sum(expression):
    return Coalesce(Sum(expression), Value(ZERO), output_field=MONEY)


def _paid_per_fund():
    """The sum paid from each fund, as a subquery (a join would count allocations twice)."""
    return Coalesce(
        Subquery(
            Payment.objects.filter(allocation__fund=OuterRef("pk"))
            .order_by()
            .values("allocation__fund")
            .annotate(total=Sum("amount"))
            .values("total")[:1],
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


# --- Funds ------------------------------------------------------------------------------------


class FundCategoryInline(LabelledTabularInline):
    model = FundCategory
    form = FundCategoryAdminForm
    fields = ("kind", "ceiling")
    extra = 0


class NeighbourhoodReserveInline(LabelledTabularInline):
    """Indicative reserves per wijk: a guide for the budget managers, not a limit."""

    model = NeighbourhoodReserve
    extra = 0
    fields = ("neighbourhood", "amount")


@admin.register(Fund)
class FundAdmin(ViewOnlyHistoryAdmin):
    """A fund and its categories; set up by superusers, its figures computed from the ledger.

    A total or ceiling below what is already committed is refused by the forms. The forms read
    without the fund's lock; a booking at the same moment is caught by the ledger's triggers
    on PostgreSQL (budget/migrations/0003_ledger_triggers.py), and the superuser gets a message
    instead of an error page: nothing is saved.
    """

    form = FundAdminForm

    list_display = ("name", "total_display", "committed", "paid", "remaining", "decision_reference")
    search_fields = ("name", "decision_reference")
    inlines = [FundCategoryInline, NeighbourhoodReserveInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "total",
                    ("decision_reference", "decision_date"),
                    ("period_start", "period_end"),
                    "is_illustrative",
                )
            },
        ),
        (_("Figures"), {"fields": ("total_display", "committed", "paid", "remaining")}),
    )
    readonly_fields = ("total_display", "committed", "paid", "remaining")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(committed_sum=_sum("allocations__amount"), paid_sum=_paid_per_fund())
        )

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj is not None else self.fieldsets[:1]

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj):
        return format_euro_or_dash(obj.total)

    @admin.display(description=_("committed"), ordering="committed_sum")
    def committed(self, obj):
        return format_euro_or_dash(obj.committed_sum)

    @admin.display(description=_("paid"), ordering="paid_sum")
    def paid(self, obj):
        return format_euro_or_dash(obj.paid_sum)

    @admin.display(description=_("remaining"))
    def remaining(self, obj):
        return format_euro_or_dash(obj.total - obj.committed_sum)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
            if not (constraint or "").startswith("ledger_"):
                raise
            # The admin's transaction was rolled back whole.
            messages.error(
                request,
                gettext(
                    "Nothing was saved: a booking was made at the same moment, and the total "
                    "or a ceiling would be below what is committed. Check the figures and try "
                    "again."
                ),
                extra_tags="ledger_refused",
            )
            return HttpResponseRedirect(request.get_full_path())

    # The fund's total and ceilings bound every booking: only superusers set them.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(FundCategory)
class FundCategoryAdmin(ReadOnlyAdminMixin, ViewOnlyHistoryAdmin):
    """Categories are edited inline on their fund; this is their read-only list."""

    list_display = ("fund", "kind", "ceiling_display")
    list_filter = ("kind",)
    list_select_related = ("fund",)

    @admin.display(description=_("ceiling"), ordering="ceiling")
    def ceiling_display(self, obj):
        return format_euro_or_dash(obj.ceiling)

    def has_module_permission(self, request):
        return False


# --- Allocations and payments -----------------------------------------------------------------


class PaymentInline(ReadOnlyInlineMixin, LabelledTabularInline):
    model = Payment
    fields = ("paid_on", "amount_display", "reference", "booked_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("booked_by")

    @admin.display(description=_("amount"))
    def amount_display(self, obj):
        return format_euro_or_dash(obj.amount)


ALLOCATION_FIELDS = (
    "fund",
    "category",
    "neighbourhood",
    "amount_display",
    "paid_display",
    "status",
    "purpose",
    "decision_date",
    "decision_reference",
    "decided_by",
    "application_link",
    "created_at",
    "is_illustrative",
)


@admin.register(Allocation)
class AllocationAdmin(ObjectActionsMixin, ViewOnlyHistoryAdmin):
    """Allocations are booked through the service (the add form) and then read-only; they are
    reduced, closed and paid with the forms on their page."""

    list_display = (
        "decision_date",
        "purpose",
        "category_kind",
        "neighbourhood",
        "amount_display",
        "paid_display",
        "status",
    )
    list_display_links = ("decision_date", "purpose")
    list_filter = (
        "category__kind",
        autocomplete_filter(_("neighbourhood"), "neighbourhood"),
        "status",
        "decision_date",
    )
    list_select_related = ("category", "neighbourhood")
    search_fields = ("purpose", "decision_reference")
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [PaymentInline]
    readonly_fields = ALLOCATION_FIELDS
    fields = ALLOCATION_FIELDS
    add_form_template = "admin/change_form.html"

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paid_sum=_sum("payments__amount"))

    @admin.display(description=_("category"), ordering="category__kind")
    def category_kind(self, obj):
        return obj.category.get_kind_display()

    @admin.display(description=_("amount committed"), ordering="amount")
    def amount_display(self, obj):
        return format_euro_or_dash(obj.amount)

    @admin.display(description=_("paid"), ordering="paid_sum")
    def paid_display(self, obj):
        return format_euro_or_dash(obj.paid_sum)

    @admin.display(description=_("application"))
    def application_link(self, obj):
        from django.utils.html import format_html

        application = getattr(obj, "application", None)
        if application is None:
            return "-"
        url = reverse("admin:budget_initiativeapplication_change", args=[quote(application.pk)])
        return format_html('<a href="{}">{}</a>', url, application.reference)

    # --- Written by the services only ---

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_adjust_permission(self, request, obj=None):
        """Who may book may also lower or close what was booked: the rest returns."""
        return request.user.has_perm("budget.add_allocation")

    def has_pay_permission(self, request, obj=None):
        return request.user.has_perm("budget.add_payment")

    # --- Booking ---

    def add_view(self, request, form_url="", extra_context=None):
        """Book an allocation through the service; its refusals become field errors."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AllocationBookingForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                allocation = services.book_allocation(
                    data["fund"],
                    category=data["category"],
                    amount=data["amount"],
                    purpose=data["purpose"],
                    decision_date=data["decision_date"],
                    decision_reference=data["decision_reference"],
                    neighbourhood=data["neighbourhood"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_addition(request, allocation, [{"added": {}}])
                messages.success(
                    request,
                    gettext("“%(allocation)s” was booked.") % {"allocation": allocation},
                    extra_tags="allocation_booked",
                )
                return HttpResponseRedirect(
                    reverse("admin:budget_allocation_change", args=[quote(allocation.pk)])
                )
        return self.form_page(
            request,
            form,
            [(None, {"fields": list(AllocationBookingForm.Meta.fields)})],
            title=_("Book an allocation"),
            form_url=form_url,
            extra_context=extra_context,
        )

    # --- Reducing, closing, paying ---

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/reduce/", view(self.reduce_view), name="budget_allocation_reduce"
            ),
            path("<path:object_id>/close/", view(self.close_view), name="budget_allocation_close"),
            path("<path:object_id>/pay/", view(self.pay_view), name="budget_allocation_pay"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.status == AllocationStatus.OPEN:
            args = [quote(obj.pk)]
            extra = {}
            if self.has_adjust_permission(request, obj):
                extra["reduce_url"] = reverse("admin:budget_allocation_reduce", args=args)
                extra["reduce_form"] = AmountForm(auto_id="reduce-%s")
                extra["close_url"] = reverse("admin:budget_allocation_close", args=args)
            if self.has_pay_permission(request, obj):
                extra["pay_url"] = reverse("admin:budget_allocation_pay", args=args)
                extra["pay_form"] = PaymentForm(auto_id="pay-%s")
            extra_context = {**(extra_context or {}), **extra}
        return super().change_view(request, object_id, form_url, extra_context)

    def reduce_view(self, request, object_id):
        """POST only: lower the amount committed."""

        def reduce(allocation, data):
            before = allocation.amount
            allocation = services.reduce_allocation(allocation, data["amount"], user=request.user)
            self.log_field_change(request, allocation, "amount")
            messages.success(
                request,
                gettext("The allocation was reduced from %(before)s to %(after)s.")
                % {"before": format_euro(before), "after": format_euro(allocation.amount)},
                extra_tags="allocation_reduced",
            )

        return self.object_action(
            request,
            object_id,
            reduce,
            allowed=self.has_adjust_permission,
            form_class=AmountForm,
            invalid=(gettext("Enter the new amount."), "amount_missing"),
        )

    def close_view(self, request, object_id):
        """Ask for confirmation (GET), then close the allocation (POST)."""

        def close(allocation, data):
            allocation = services.close_allocation(allocation, user=request.user)
            self.log_field_change(request, allocation, "status")
            messages.success(
                request,
                gettext("The allocation was closed; %(amount)s stays committed (paid).")
                % {"amount": format_euro(allocation.amount)},
                extra_tags="allocation_was_closed",
            )

        if request.method == "POST":
            return self.object_action(request, object_id, close, allowed=self.has_adjust_permission)
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        allocation, redirect = self.object_or_redirect(request, object_id)
        if redirect is not None:
            return redirect
        paid = services.paid(allocation)
        return self.admin_page(
            request,
            "admin/budget/allocation/close_confirmation.html",
            title=_("Close an allocation"),
            object=allocation,
            amount=format_euro(allocation.amount),
            paid=format_euro(paid),
            returned=format_euro(allocation.amount - paid),
            change_url=self.change_url(allocation),
        )

    def pay_view(self, request, object_id):
        """POST only: record a payment against the allocation."""

        def pay(allocation, data):
            payment = services.record_payment(
                allocation,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
                user=request.user,
            )
            self.log_addition(request, payment, [{"added": {}}])
            messages.success(
                request,
                gettext("A payment of %(amount)s was recorded.")
                % {"amount": format_euro(payment.amount)},
                extra_tags="payment_recorded",
            )

        return self.object_action(
            request,
            object_id,
            pay,
            allowed=self.has_pay_permission,
            form_class=PaymentForm,
            invalid=(gettext("Enter the amount and the date of the payment."), "payment_invalid"),
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, ViewOnlyHistoryAdmin):
    """Payments, read-only: recorded on their allocation's page, never changed or deleted."""

    list_display = ("paid_on", "amount_display", "allocation", "reference", "booked_by")
    list_select_related = ("allocation", "booked_by")
    list_filter = (
        "allocation__category__kind",
        autocomplete_filter(_("neighbourhood"), "allocation__neighbourhood"),
        "paid_on",
    )
    search_fields = ("reference", "allocation__purpose")
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = (
        "allocation",
        "amount_display",
        "paid_on",
        "reference",
        "booked_by",
        "created_at",
    )
    fields = readonly_fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return format_euro_or_dash(obj.amount)
