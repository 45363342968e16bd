"""The crawl: every persona follows every same-site link on the real pilot data.

Anonymous visitors, each `team-<wijk>` account, the editor (`redacteur`), the budget manager
(`budgetbeheerder`) and a superuser start at `/`, `/team/` and `/admin/` and follow every link
(GET only, bounded), plus probes: the admin pages of every model and the portal pages of every
project. No page may answer 5xx, and no page may show what that persona may not see:
applicants' contact data, internal or hidden progress updates, a draft contract, a scan of
signed pages, admin pages without the right, another team's portal pages. It runs again after
deleting the accounts that wrote updates, handed in a report, hid an update and stored a scan.

`pytest -s` prints the pages crawled per persona.
"""

import datetime
import html
import io
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse

from budget.models import InitiativeApplication
from contracts import services as contract_services
from contracts.choices import PUBLIC_STATUSES, AddendumKind, ContractStatus
from contracts.models import Contract, Neighbourhood
from projects import services as project_services
from projects.choices import CLOSED_STATUSES, RoundKind, Visibility
from projects.models import ProgressUpdate, Project, ReportingRound
from tests.factories import progress_update

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.usefixtures("module_pilot_media", "quiet_refusals"),
]

User = get_user_model()

# The bound of one persona's crawl. The pilot needs about 450 pages for a superuser; a crawl
# that reaches the bound fails, so that no page is left out silently.
MAX_PAGES = 700
# Query strings followed per path: a changelist's filters show other rows, not other code.
MAX_QUERY_VARIANTS = 3
# Admin pages followed per kind (the change page of the fifth payment runs the same code as
# the first's); the probes add the pages of the records the crawl marked.
MAX_ADMIN_INSTANCES = 3
# Query parameters that only sort, page, pop up or remember a changelist: dropped.
IGNORED_PARAMETERS = {"_changelist_filters", "o", "p", "_popup", "_to_field"}
SKIPPED_PREFIXES = ("/static/", "/media/", "/taal/")
# Logging out ends the session (and is POST only).
SKIPPED_PATHS = {"/admin/logout/", "/team/uitloggen/"}
START_PAGES = ("/", "/team/", "/admin/")
PROBE = "(probe)"
REDIRECTS = {301, 302, 303, 307, 308}
# What a page may answer to someone who may not see it (405: a POST-only page).
REFUSED = {302, 403, 404, 405}

# Texts the crawl puts into the data, so that a leak of each kind can be recognised.
HIDDEN_MARK = "Verborgen-voor-iedereen-behalve-medewerkers"
DRAFT_MARK = "Conceptcontract-nog-niet-openbaar"
DRAFT_ADDENDUM_MARK = "Concept-addendum-nog-niet-getekend"
SCAN_NAME = "getekende-paginas-alleen-voor-medewerkers.pdf"
AUTHOR_MARK = "Bijgewerkt-door-een-teamlid"
REPORT_MARK = "Verslag-van-een-teamlid"

WIJKEN = ["amsterdamse-buurten", "boerhaavewijk", "centrum", "delftwijk-waterbuurt", "leidsebuurt"]
ANONYMOUS = "anonymous"
SUPERUSER = "crawl-beheerder"
PERSONAS = [
    ANONYMOUS,
    *(f"team-{slug}" for slug in WIJKEN),
    "redacteur",
    "budgetbeheerder",
    SUPERUSER,
]


# --- The crawler ------------------------------------------------------------------------------


class LinkParser(HTMLParser):
    """The targets of <a href>, <link href>, and the src of scripts, images and frames."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"a", "link", "area"} and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in {"script", "img", "iframe"} and attrs.get("src"):
            self.links.append(attrs["src"])


def page_key(url):
    """(path, normalised query) of a same-site URL; None for another site or a non-HTTP link."""
    parts = urlsplit(url)
    if parts.scheme not in {"", "http", "https"} or parts.netloc not in {"", "testserver"}:
        return None
    if not parts.path.startswith("/"):
        return None
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in IGNORED_PARAMETERS
    )
    return parts.path, urlencode(query)


@dataclass
class Visit:
    url: str
    referrer: str
    status: int
    text: str = ""

    @property
    def path(self):
        return urlsplit(self.url).path


@dataclass
class Crawl:
    """What one persona's crawl saw: every answer, with the page that linked to it."""

    persona: str
    visits: list = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0

    @property
    def pages(self):
        return len(self.visits)

    @property
    def unlinked(self):
        return sum(visit.referrer == PROBE for visit in self.visits)

    def status_of(self, url):
        return next((v.status for v in self.visits if v.url == url), None)

    def showing(self, needle):
        """The visits whose text contains `needle` (as is or HTML-escaped)."""
        forms = {needle, html.escape(needle), html.escape(needle, quote=False)}
        return [v for v in self.visits if any(form in v.text for form in forms)]


def crawl(client, persona, *, probes=(), max_pages=MAX_PAGES):
    """Follow every same-site link from the start pages, GET only, breadth first, reading the
    text of every HTML, CSV or other text answer. Then request the `probes` not reached by a
    link (and follow the links on them too)."""
    result = Crawl(persona)
    started = time.monotonic()
    queue = deque((url, "(start)") for url in START_PAGES)
    unlinked = deque((url, PROBE) for url in probes)
    probed = {page_key(url) for url in probes}
    seen, paths = set(), set()
    variants, instances = Counter(), Counter()
    while queue or unlinked:
        url, referrer = (queue or unlinked).popleft()
        key = page_key(url)
        if key is None or key in seen:
            continue
        path, query = key
        if path.startswith(SKIPPED_PREFIXES) or path in SKIPPED_PATHS:
            continue
        if key not in probed:
            if query and variants[path] >= MAX_QUERY_VARIANTS:
                continue
            kind = re.sub(r"/\d+(?=[/.])", "/N", path)
            if path.startswith("/admin/") and path not in paths:
                if instances[kind] >= MAX_ADMIN_INSTANCES:
                    continue
                instances[kind] += 1
            variants[path] += bool(query)
        if len(result.visits) >= max_pages:
            result.complete = False
            break
        seen.add(key)
        paths.add(path)
        target = f"{path}?{query}" if query else path
        response = client.get(target)
        visit = Visit(target, referrer, response.status_code)
        result.visits.append(visit)
        # Reading a streamed file to the end closes it the way the test client wants: closing
        # it again would close the test's database connection.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        content_type = response.get("Content-Type", "")
        if response.status_code in REDIRECTS:
            queue.append((urljoin(target, response["Location"]), target))
        elif content_type.startswith(("text/", "application/json")):
            visit.text = body.decode(response.charset or "utf-8", errors="replace")
            if content_type.startswith("text/html"):
                parser = LinkParser()
                parser.feed(visit.text)
                queue.extend((urljoin(target, link), target) for link in parser.links)
    result.seconds = time.monotonic() - started
    return result


def summary(crawls):
    """Pages per persona; "unlinked" are the probes that no link led to."""
    return ", ".join(
        f"{c.persona}: {c.pages} pages ({c.unlinked} unlinked) in {c.seconds:.1f} s" for c in crawls
    )


def report(crawls, problems):
    return f"{len(problems)} problem(s) ({summary(crawls)}):\n" + "\n".join(problems)


def server_errors(result):
    return [
        f"{result.persona}: {v.status} at {v.url} (linked from {v.referrer})"
        for v in result.visits
        if v.status >= 500
    ]


# --- The data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pilot(_pilot_loaded, django_db_blocker, pilot_media):
    """The module's pilot (tests/conftest.py) with its demo accounts and the marked records,
    added in a savepoint rolled back after the module.

    Every test runs in its own savepoint inside it, so each starts from the same data.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=pilot_media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        # Refused without DEBUG: the demo accounts share a known password.
        with override_settings(DEBUG=True):
            call_command("create_demo_accounts", stdout=StringIO())
        yield add_marked_records()
        transaction.set_rollback(True)


def add_marked_records():
    """What the pilot lacks: a superuser, a hidden and an internal update with attachments, a
    draft contract, a scan of signed pages, and a signed and a draft addendum."""
    superuser = User.objects.create_superuser(SUPERUSER, "beheer@example.org", "-")
    project = (
        Project.objects.filter(contract__neighbourhood__slug="leidsebuurt")
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("number")
        .first()
    )
    hidden = progress_update(
        project,
        User.objects.get(username="team-leidsebuurt"),
        happened=f"{HIDDEN_MARK}: het telefoonnummer van een buurman.",
        attachment=ContentFile(blank_pdf(), name="verborgen.pdf"),
    )
    internal = progress_update(
        project,
        User.objects.get(username="team-leidsebuurt"),
        happened="Een intern verslag van het teamoverleg, met de notulen als bijlage.",
        visibility=Visibility.INTERNAL,
        attachment=ContentFile(blank_pdf(), name="notulen.pdf"),
    )
    project_services.hide_update(hidden, user=superuser, reason="Persoonsgegevens")
    draft = contract_services.create_contract(
        neighbourhood=Neighbourhood.objects.get(slug="boerhaavewijk"),
        title=DRAFT_MARK,
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
    )
    signed = Contract.objects.filter(status=ContractStatus.SIGNED).order_by("pk").first()
    scan = contract_services.attach_scan(
        signed, ContentFile(blank_pdf(), name=SCAN_NAME), user=superuser
    )
    for title, signing in (
        (f"{signed.title}: een andere planning", True),
        (DRAFT_ADDENDUM_MARK, False),
    ):
        addendum = contract_services.create_addendum(
            signed,
            kind=AddendumKind.OTHER,
            title=title,
            body="De partners spreken een andere planning van de projecten af.",
            signed_on=signed.signed_on + datetime.timedelta(days=200),
            signing_place=signed.signing_place,
        )
        party = signed.parties.select_related("partner").order_by("order", "pk").first()
        addendum.signatories.create(
            partner=party.partner,
            signatory_name=party.signatory_name,
            signatory_function=party.signatory_function,
        )
        if signing:
            contract_services.mark_addendum_ready(addendum, user=superuser)
            contract_services.sign_addendum(addendum, user=superuser)
    return {"hidden_update": hidden, "internal_update": internal, "draft": draft, "scan": scan}


def blank_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- What each persona may see ----------------------------------------------------------------

ADMIN_OPEN_PATHS = {"/admin/login/", "/admin/password_reset/"}
PORTAL_OPEN_PATHS = {"/team/inloggen/", "/team/wachtwoord-vergeten/"}


def area(path):
    """Where a page is ("admin", "portal" or "public"): that decides who may see what on it."""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/team/"):
        return "portal"
    return "public"


def is_staff(user):
    return user is not None and user.is_active and user.is_staff


def has(user, permission):
    """Whether `user` (None: anonymous) has `permission`: rights come from permissions, not
    from being staff (tests/access_policy.md)."""
    return user is not None and user.has_perm(permission)


@dataclass
class Secret:
    """A text that only some personas may see, and only on some pages."""

    kind: str
    text: str
    # allowed(user or None, area) -> whether that persona may see it on a page in that area
    allowed: object


def secrets(marks):
    """Every text of the data that not everyone may see, with who may see it where."""
    found = []

    def contact_data(user, where):
        # Personal data: for those who decide on applications, in the admin only.
        return (
            where == "admin"
            and user is not None
            and user.has_perm("budget.view_initiativeapplication")
        )

    for application in InitiativeApplication.objects.order_by("pk"):
        for value in (
            application.contact_name,
            application.contact_email,
            application.contact_phone,
        ):
            if value.strip():
                found.append(Secret("contact data", value, contact_data))

    internal = ProgressUpdate.objects.filter(visibility=Visibility.INTERNAL, hidden=False)
    for update in internal.order_by("pk"):
        team = set(update.project.memberships.values_list("user_id", flat=True))

        def internal_update(user, where, team=team):
            # Never on a public page (not even for staff: it is the residents' page).
            if where == "admin":
                return is_staff(user) and user.has_module_perms("projects")
            return where == "portal" and (
                has(user, "projects.view_progressupdate") or (user is not None and user.pk in team)
            )

        for text in (update.happened, update.next_steps):
            if len(text) >= 20:
                found.append(Secret("internal update", text, internal_update))

    def hidden_update(user, where):
        return where in {"admin", "portal"} and has(user, "projects.view_progressupdate")

    def draft_contract(user, where):
        return has(user, "contracts.view_contract")

    def draft_addendum(user, where):
        return has(user, "contracts.view_addendum")

    def scan(user, where):
        # Scans carry signatures: staff with the right to see contracts, in the admin.
        return where == "admin" and is_staff(user) and user.has_perm("contracts.view_contract")

    found.append(Secret("hidden update", marks["hidden_update"].happened, hidden_update))
    found.append(Secret("draft contract", DRAFT_MARK, draft_contract))
    found.append(Secret("draft addendum", DRAFT_ADDENDUM_MARK, draft_addendum))
    found.append(Secret("scan of signed pages", SCAN_NAME, scan))
    return found


def admin_probes(marks):
    """Admin pages of every registered model (list, add form, and the first object's change,
    history and delete pages), every app's index, and the pages of the marked records."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        app_label, model_name = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:app_list", args=[app_label]))
        urls.append(reverse(f"admin:{app_label}_{model_name}_changelist"))
        urls.append(reverse(f"admin:{app_label}_{model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for action in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{app_label}_{model_name}_{action}", args=[first.pk]))
    scan = marks["scan"]
    urls += [
        reverse("admin:projects_progressupdate_change", args=[marks["hidden_update"].pk]),
        reverse("admin:contracts_contract_change", args=[marks["draft"].pk]),
        reverse("admin:contracts_contract_change", args=[scan.contract_id]),
        reverse("admin:contracts_contract_scan", args=[scan.contract_id, scan.pk]),
    ]
    return list(dict.fromkeys(urls))


def portal_probes():
    """The portal pages of every project, for every reporting round of its contract."""
    urls = []
    for project in Project.objects.order_by("pk"):
        urls.append(reverse("projects:portal_project", args=[project.pk]))
        for round_ in ReportingRound.objects.filter(contracts=project.contract_id):
            urls.append(reverse("projects:portal_report", args=[round_.pk, project.pk]))
    return urls


def draft_pages(marks):
    """The draft contract's own pages: a resident must not find them by guessing."""
    draft = marks["draft"]
    slug = draft.neighbourhood.slug
    return [
        reverse("contracts:contract_version", args=[slug, draft.pk]),
        reverse("contracts:contract_version_pdf", args=[slug, draft.pk]),
    ]


def attachment_probes(marks):
    """The attachments of the hidden and the internal update."""
    return [
        reverse("projects:update_attachment", args=[update.project_id, update.pk])
        for update in (marks["hidden_update"], marks["internal_update"])
    ]


def may_see_attachment(user, update_pk):
    """Who may view updates sees every attachment; others none of a hidden update, and of an
    internal one only when they are in the project's team."""
    update = ProgressUpdate.objects.select_related("project__contract").get(pk=update_pk)
    if has(user, "projects.view_progressupdate"):
        return True
    if update.hidden:
        return False
    if update.visibility == Visibility.PUBLIC and update.project.contract.is_public:
        return True
    return user is not None and update.project.memberships.filter(user=user).exists()


def required_permissions(path):
    """The permissions of which a staff member needs one to open this admin page, or None
    when the page belongs to no model."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name == "app_list":
        app_label = match.kwargs["app_label"]
        return [
            f"{app_label}.{action}_{model._meta.model_name}"
            for model in admin.site._registry
            if model._meta.app_label == app_label
            for action in ("view", "change", "add", "delete")
        ]
    models = sorted(admin.site._registry, key=lambda model: -len(model._meta.model_name))
    for model in models:
        app_label, model_name = model._meta.app_label, model._meta.model_name
        prefix = f"{app_label}_{model_name}_"
        if match.url_name and match.url_name.startswith(prefix):
            action = match.url_name.removeprefix(prefix)
            if action in {"add", "delete"}:
                actions = [action]
            elif action in {"changelist", "change", "history"}:
                actions = ["view", "change"]
            else:  # the model admin's own pages (register the signing, a scan, …)
                actions = ["view", "change", "add", "delete"]
            return [f"{app_label}.{a}_{model_name}" for a in actions]
    return None


def may_open_admin_page(user, path):
    if not is_staff(user):
        return path in ADMIN_OPEN_PATHS
    required = required_permissions(path)
    return required is None or any(user.has_perm(permission) for permission in required)


def portal_projects_of(user):
    if user is None:
        return set()
    projects = (
        Project.objects.all()
        if has(user, "projects.view_project")
        else Project.objects.of_member(user)
    )
    return set(projects.values_list("pk", flat=True))


def visibility_problems(result, user, marks):
    """Pages of this crawl that show what `user` (None: anonymous) may not see."""
    problems = []
    own_projects = portal_projects_of(user)
    drafts = set(draft_pages(marks))
    for visit in result.visits:
        where = area(visit.path)
        if visit.status == 200:
            if where == "admin" and not may_open_admin_page(user, visit.path):
                problems.append(f"{result.persona}: 200 at the admin page {visit.url}")
            if where == "portal":
                if user is None and visit.path not in PORTAL_OPEN_PATHS:
                    problems.append(f"{result.persona}: 200 at the portal page {visit.url}")
                kwargs = resolve(visit.path).kwargs
                if "pk" in kwargs and kwargs["pk"] not in own_projects:
                    problems.append(f"{result.persona}: 200 at another team's {visit.url}")
            if visit.path in drafts and not has(user, "contracts.view_contract"):
                problems.append(f"{result.persona}: 200 at the draft contract's {visit.url}")
            match = resolve(visit.path)
            if match.url_name == "update_attachment" and not may_see_attachment(
                user, match.kwargs["update_pk"]
            ):
                problems.append(f"{result.persona}: 200 at the attachment {visit.url}")
        elif visit.status < 500 and visit.status not in REFUSED | {301}:
            problems.append(f"{result.persona}: {visit.status} at {visit.url}")
    for secret in secrets(marks):
        for visit in result.showing(secret.text):
            if not secret.allowed(user, area(visit.path)):
                problems.append(
                    f"{result.persona}: {secret.kind} {secret.text[:40]!r} at {visit.url}"
                    f" (linked from {visit.referrer})"
                )
    return problems


def coverage_problems(result, user, marks):
    """What the persona should have reached but did not: the crawl proves little otherwise."""
    problems = []
    if not result.complete:
        problems.append(f"{result.persona}: stopped at {MAX_PAGES} pages (raise MAX_PAGES)")
    public_projects = Project.objects.filter(contract__status__in=PUBLIC_STATUSES)
    expected = {
        reverse("projects:project_detail", args=[pk])
        for pk in public_projects.values_list("pk", flat=True)
    }
    expected |= {reverse("projects:portal_project", args=[pk]) for pk in portal_projects_of(user)}
    reached = {visit.path for visit in result.visits if visit.status == 200}
    problems += [f"{result.persona}: never reached {path}" for path in sorted(expected - reached)]
    kinds = {}
    for secret in secrets(marks):
        if any(secret.allowed(user, where) for where in ("admin", "portal", "public")):
            kinds.setdefault(secret.kind, []).append(secret)
    for kind, allowed in kinds.items():
        shown = [secret for secret in allowed if result.showing(secret.text)]
        # A team sees each of its internal updates; staff at least one of each kind.
        if not shown or (not is_staff(user) and len(shown) < len(allowed)):
            problems.append(f"{result.persona}: {len(shown)} of {len(allowed)} {kind} shown")
    return problems


# --- The crawls -------------------------------------------------------------------------------

# Pages per persona, printed at the end of the module (pytest -s) for the record.
CRAWLS = []


def crawl_as(persona, marks, *, label=None, extra_probes=()):
    user = None if persona == ANONYMOUS else User.objects.get(username=persona)
    client = Client(raise_request_exception=False)  # a 500 is an answer to record
    if user is not None:
        client.force_login(user)
    probes = [
        *admin_probes(marks),
        *portal_probes(),
        *draft_pages(marks),
        *attachment_probes(marks),
        *extra_probes,
    ]
    result = crawl(client, label or persona, probes=probes)
    CRAWLS.append(result)
    return result, user


@pytest.fixture(autouse=True)
def _pdf_renders_unlimited(settings):
    """A superuser's crawl renders more PDFs than one person may in ten minutes; the limit
    itself is tested in test_rate_limits."""
    settings.RATELIMIT_PDF_RENDERS = "100000/m"


@pytest.fixture(scope="module", autouse=True)
def _print_pages():
    yield
    if CRAWLS:
        print(f"\nThe crawl: {summary(CRAWLS)}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_fails_or_shows_what_the_persona_may_not_see(pilot, persona):
    result, user = crawl_as(persona, pilot)

    problems = (
        server_errors(result)
        + visibility_problems(result, user, pilot)
        + coverage_problems(result, user, pilot)
    )

    assert not problems, report([result], problems)


def test_no_page_fails_after_deleting_the_accounts_that_wrote(pilot):
    """Records outlive accounts: a team member logs updates and hands in a report, an editor
    hides one and stores a scan; both accounts are deleted; every page still works."""
    writer = User.objects.get(username="team-centrum")
    editor = User.objects.get(username="redacteur")
    round_ = ReportingRound.objects.get(kind=RoundKind.MIDTERM)
    project = (
        round_.requested_projects()
        .filter(contract__neighbourhood__slug="centrum")
        .exclude(reports__round=round_)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("number")
        .first()
    )
    assert project is not None, "the pilot has no centrum project left to report"
    updates = [
        progress_update(
            project,
            writer,
            # Numbered: the same update twice would be a double click, saved once.
            happened=f"{AUTHOR_MARK} ({visibility}) nr. {number}",
            visibility=visibility,
        )
        for number, visibility in enumerate(
            (Visibility.PUBLIC, Visibility.INTERNAL, Visibility.PUBLIC), start=1
        )
    ]
    project.refresh_from_db()
    handed_in = project_services.submit_report(
        round_,
        project,
        user=writer,
        achieved=REPORT_MARK,
        status=project.status,
        percent_complete=project.percent_complete,
    )
    project_services.hide_update(updates[2], user=editor, reason="Dubbel")
    scan = contract_services.attach_scan(
        project.contract, ContentFile(blank_pdf(), name="tweede-scan.pdf"), user=editor
    )
    writer.delete()
    editor.delete()
    newcomer = User.objects.create_user("team-centrum-nieuw")
    for centrum_project in Project.objects.filter(contract__neighbourhood__slug="centrum"):
        centrum_project.memberships.create(user=newcomer)
    work_page = reverse("projects:portal_project", args=[project.pk])
    probes = [
        work_page,
        reverse("projects:portal_report", args=[round_.pk, project.pk]),
        reverse("projects:project_detail", args=[project.pk]),
        reverse("admin:projects_projectreport_change", args=[handed_in.pk]),
        reverse("admin:contracts_contract_change", args=[scan.contract_id]),
        *(reverse("admin:projects_progressupdate_change", args=[u.pk]) for u in updates),
        *(reverse("admin:projects_progressupdate_history", args=[u.pk]) for u in updates),
    ]

    crawls, problems = [], []
    for persona in (ANONYMOUS, newcomer.username, SUPERUSER):
        result, user = crawl_as(
            persona, pilot, label=f"{persona} (after deleting)", extra_probes=probes
        )
        crawls.append(result)
        problems += server_errors(result) + visibility_problems(result, user, pilot)

    assert not problems, report(crawls, problems)
    # The pages of the deleted accounts' records were shown, not merely refused.
    anonymous, newcomer_crawl, superuser_crawl = crawls
    assert anonymous.showing(f"{AUTHOR_MARK} (public)")
    for result in (newcomer_crawl, superuser_crawl):
        assert result.status_of(work_page) == 200, result.persona
        assert result.showing(REPORT_MARK), result.persona
        assert result.showing(f"{AUTHOR_MARK} (internal)"), result.persona
    assert [v.status for v in superuser_crawl.visits if v.url in probes] == [200] * len(probes)


def test_stored_files_are_not_served_from_the_media_folder(pilot, client):
    """Scans and archived originals are reached through views that check who asks, never as
    plain files."""
    scan = pilot["scan"]

    for name in (scan.file.name, scan.contract.signed_original.file.name):
        assert client.get(f"/media/{name}").status_code == 404
