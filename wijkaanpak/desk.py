"""The desk: what needs attention, per role, on the admin's home page.

Each role has a desk, a list of items; an item is a number of rows that links to the admin
list showing exactly those rows (a list filter of that model's admin, built on the same
selector), with the first rows themselves below it where a name or date helps.

- Editors (group Redacteuren): contracts and addenda in draft; contracts ready for signing,
  each with its planned signing date; signed contracts whose signed original has not gone out
  to the parties; delayed projects; running projects without a progress update for 90 days;
  per reporting round past its due date, the reports that are late.
- Budget managers (group Budgetbeheerders): applications waiting for a decision, oldest first,
  with those past the four weeks the application form promises marked in words; decisions
  whose letter was not sent (what "sent" means: budget.selectors.decisions_without_sent_letter);
  the room per category of the current fund.

A superuser sees every desk; a user in both groups both. Staff outside these groups see the
admin's list of models only, as before. The selectors live in each app's selectors.py; this
module, above the apps, only puts them together for a user.

"Now" is the real date (timezone.localdate()): the code has no clock of its own to move, and
the same date decides elsewhere what is late (report reminders, the round's page). The pilot
is history (2007-2009), so on the pilot data every running project has been silent for years
and every report missing from the 2008 midterm review is late: that is what its data says.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from budget import selectors as budget_selectors
from budget.models import Allocation, InitiativeApplication
from contracts import selectors as contract_selectors
from contracts.models import Addendum, Contract
from projects import selectors as project_selectors
from projects.models import Project
from wijkaanpak.common import mail
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS

EDITOR = "editor"
BUDGET_MANAGER = "budget_manager"

# The desk shows at most this many rows of an item; its link leads to all of them.
ROWS_SHOWN = 10

TITLES = {
    (EDITOR,): _("Editor's desk"),
    (BUDGET_MANAGER,): _("Budget manager's desk"),
    (EDITOR, BUDGET_MANAGER): _("Desk of the editor and the budget manager"),
}

LETTER_STATES = {
    mail.QUEUED: _("waiting in the outbox"),
    mail.FAILED: _("sending failed"),
    None: _("never sent by e-mail"),
}


@dataclass
class Item:
    """A number of rows that need attention, and where to see them."""

    key: str
    count: int
    label: str  # what the number counts, in the number's plural form
    url: str = ""  # the admin list of exactly these rows; "" if the user may not open it
    note: str = ""
    due: object = None  # a date the rows were due on
    rows: list = field(default_factory=list)  # the first ROWS_SHOWN rows, for a look below

    @property
    def more(self):
        """How many rows the desk leaves out of a list it shows."""
        return max(self.count - len(self.rows), 0) if self.rows else 0


@dataclass
class Desk:
    key: str
    title: str
    items: list
    fund: object = None  # the budget managers' fund: (account, rooms) or None
    fund_rooms: list = field(default_factory=list)


def roles_of(user):
    """The roles whose desk `user` sees (EDITOR, BUDGET_MANAGER), in that order."""
    cached = getattr(user, "_desk_roles", None)
    if cached is not None:
        return cached
    roles = ()
    if user.is_active and user.is_staff:
        groups = set(user.groups.values_list("name", flat=True))
        roles = tuple(
            role
            for role, group in ((EDITOR, EDITORS), (BUDGET_MANAGER, BUDGET_MANAGERS))
            if user.is_superuser or group in groups
        )
    user._desk_roles = roles
    return roles


def title_for(user):
    """The home page's title for `user`'s roles; "" when they have no desk."""
    return TITLES.get(roles_of(user), "")


def desks_for(request, today=None):
    """The desks `request.user` sees, filled in for `today` (default: the real date)."""
    today = today or timezone.localdate()
    builders = {EDITOR: editor_desk, BUDGET_MANAGER: budget_manager_desk}
    return [builders[role](request, today) for role in roles_of(request.user)]


# --- Links ------------------------------------------------------------------------------------


def _model_admin(model):
    return admin.site.get_model_admin(model) if admin.site.is_registered(model) else None


def changelist_url(request, model, **params):
    """The admin list of `model` with the filter `params`; "" if the user may not see it."""
    model_admin = _model_admin(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return ""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def change_url(request, obj):
    model_admin = _model_admin(type(obj))
    if model_admin is None or not model_admin.has_view_or_change_permission(request, obj):
        return ""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])


def ordered_by(model, field_name):
    """The changelist's `o` parameter that sorts its rows on `field_name`, oldest first; {}
    when the list has no such column."""
    list_display = list(admin.site.get_model_admin(model).list_display)
    if field_name not in list_display:
        return {}
    return {"o": str(list_display.index(field_name) + 1)}


def _item(request, key, queryset, label, model, params, *, note="", rows=None):
    count = queryset.count()
    return Item(
        key=key,
        count=count,
        label=label(count),
        url=changelist_url(request, model, **params) if count else "",
        note=note,
        rows=rows or [],
    )


def _shown(queryset):
    return list(queryset[:ROWS_SHOWN])


# --- The editor's desk ------------------------------------------------------------------------


def editor_desk(request, today):
    ready = contract_selectors.contracts_ready_for_signing()
    unsent = contract_selectors.signed_contracts_without_distribution().select_related(
        "neighbourhood"
    )
    items = [
        _item(
            request,
            "contracts_in_draft",
            contract_selectors.draft_contracts(),
            lambda n: ngettext("contract in draft", "contracts in draft", n),
            Contract,
            {"status__exact": "draft"},
        ),
        _item(
            request,
            "addenda_in_draft",
            contract_selectors.draft_addenda(),
            lambda n: ngettext("addendum in draft", "addenda in draft", n),
            Addendum,
            {"status__exact": "draft"},
        ),
        _item(
            request,
            "ready_for_signing",
            ready,
            lambda n: ngettext("contract ready for signing", "contracts ready for signing", n),
            Contract,
            {"status__exact": "ready_for_signing"},
            rows=[
                {"contract": contract, "url": change_url(request, contract)}
                for contract in _shown(ready)
            ],
        ),
        _item(
            request,
            "signed_not_sent",
            unsent,
            lambda n: ngettext(
                "signed contract not sent to the parties",
                "signed contracts not sent to the parties",
                n,
            ),
            Contract,
            {"distributed": "no"},
            rows=[
                {"contract": contract, "url": change_url(request, contract)}
                for contract in _shown(unsent.order_by("signed_on", "neighbourhood__name", "pk"))
            ],
        ),
        _item(
            request,
            "delayed_projects",
            project_selectors.delayed_projects(),
            lambda n: ngettext("delayed project", "delayed projects", n),
            Project,
            {"status__exact": "delayed"},
        ),
        _item(
            request,
            "silent_projects",
            project_selectors.silent_projects(today),
            lambda n: ngettext(
                "running project without a progress update for 90 days",
                "running projects without a progress update for 90 days",
                n,
            ),
            Project,
            {"no_update": str(project_selectors.SILENCE.days)},
        ),
    ]
    late = project_selectors.rounds_with_late_reports(today)
    for round_, count in late:
        items.append(
            Item(
                key=f"late_reports_{round_.pk}",
                count=count,
                label=ngettext("report late for “%(round)s”", "reports late for “%(round)s”", count)
                % {"round": round_},
                url=changelist_url(request, Project, late_report=str(round_.pk)),
                due=round_.due_date,
            )
        )
    if not late:
        items.append(Item(key="late_reports", count=0, label=_("reports late")))
    return Desk(key=EDITOR, title=TITLES[(EDITOR,)], items=items)


# --- The budget manager's desk ----------------------------------------------------------------

APPLICATION_ROW_FIELDS = (
    "reference",
    "title",
    "status",
    "submitted_at",
    "decided_at",
    "neighbourhood__name",
)


def budget_manager_desk(request, today):
    waiting = budget_selectors.waiting_applications()
    overdue = budget_selectors.overdue_applications(today)
    overdue_ids = set(overdue.values_list("pk", flat=True))
    unsent = budget_selectors.decisions_without_sent_letter()
    oldest_first = ordered_by(InitiativeApplication, "submitted_at")
    items = [
        _item(
            request,
            "waiting_applications",
            waiting,
            lambda n: ngettext(
                "application waiting for a decision", "applications waiting for a decision", n
            ),
            InitiativeApplication,
            {"waiting": "all", **oldest_first},
            note=_("oldest first"),
            rows=[
                {
                    "application": application,
                    "url": change_url(request, application),
                    "submitted_on": timezone.localdate(application.submitted_at),
                    "answer_due": budget_selectors.answer_due(application),
                    "overdue": application.pk in overdue_ids,
                }
                for application in _shown(
                    waiting.select_related("neighbourhood").only(*APPLICATION_ROW_FIELDS)
                )
            ],
        ),
        Item(
            key="overdue_applications",
            count=len(overdue_ids),
            label=ngettext(
                "application waiting more than four weeks",
                "applications waiting more than four weeks",
                len(overdue_ids),
            ),
            url=(
                changelist_url(request, InitiativeApplication, waiting="overdue", **oldest_first)
                if overdue_ids
                else ""
            ),
            note=_("The application form promises a decision within four weeks."),
        ),
        _item(
            request,
            "decisions_without_letter",
            unsent,
            lambda n: ngettext(
                "decision without a sent letter", "decisions without a sent letter", n
            ),
            InitiativeApplication,
            {"letter": "unsent"},
            rows=[
                {
                    "application": application,
                    "url": change_url(request, application),
                    "decided_on": timezone.localdate(application.decided_at),
                    "letter": LETTER_STATES[application.letter_state],
                }
                for application in _shown(
                    unsent.select_related("neighbourhood").only(*APPLICATION_ROW_FIELDS)
                )
            ],
        ),
    ]
    desk = Desk(key=BUDGET_MANAGER, title=TITLES[(BUDGET_MANAGER,)], items=items)
    fund = budget_selectors.current_fund()
    if fund is not None:
        account, rooms = budget_selectors.fund_room(fund)
        desk.fund = account
        desk.fund_rooms = [
            {
                "room": room,
                "url": changelist_url(request, Allocation, category__id__exact=room.category.pk)
                if room.allocations
                else "",
            }
            for room in rooms
        ]
    return desk
