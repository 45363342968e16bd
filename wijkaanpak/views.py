"""Pages that combine the apps: home, the wijk page, statements, health check, error pages."""

import datetime
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from budget import selectors as budget_selectors
from contracts import documents, selectors
from projects import selectors as project_selectors
from wijkaanpak.common import glossary, health

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    """The programme, its key dates, its wijken and the fund at a glance.

    The current programme's wijken; without any programme, the wijken. Never more than
    `neighbourhood_limit` cards, whatever the number of wijken: the list of wijken pages the
    rest. A fixed number of queries.
    """

    template_name = "wijkaanpak/home.html"
    neighbourhood_limit = 24

    def get_context_data(self, **kwargs):
        user = self.request.user
        programme = selectors.current_programme()
        neighbourhoods, neighbourhood_count = selectors.home_neighbourhoods(
            programme, user, self.neighbourhood_limit
        )
        contracts = [n.current_contract for n in neighbourhoods if n.current_contract]
        fund = budget_selectors.current_fund()
        return super().get_context_data(
            programme=programme,
            other_programmes=selectors.other_programmes(programme),
            neighbourhoods=neighbourhoods,
            neighbourhood_count=neighbourhood_count,
            contract_rounds=selectors.contract_rounds(
                selectors.current_contracts(user, programme), shown=neighbourhoods
            ),
            fund_glance=budget_selectors.fund_at_a_glance(fund) if fund else None,
            shows_illustrative=any(contract.is_illustrative for contract in contracts)
            or bool(fund and fund.is_illustrative),
            **kwargs,
        )


class NeighbourhoodDetailView(DetailView):
    """The wijk page: its contract in short, the residents' wishes with the projects that
    answer them, the projects with their progress, and the fund's initiatives in the wijk.

    A fixed number of queries, however many projects, wishes, updates, allocations and
    applications there are.
    """

    template_name = "wijkaanpak/neighbourhood_detail.html"
    context_object_name = "neighbourhood"

    def get_queryset(self):
        return selectors.neighbourhoods_with_districts()

    def get_context_data(self, **kwargs):
        contract = selectors.current_contract(
            self.object, self.request.user, queryset=selectors.contracts_with_summary()
        )
        projects = project_selectors.contract_projects(contract)
        fund = budget_selectors.contract_fund(contract)
        return super().get_context_data(
            neighbourhood_fund=budget_selectors.neighbourhood_fund(fund, self.object)
            if fund
            else None,
            contract=contract,
            projects=projects,
            wishes=project_selectors.wishes_with_projects(contract, projects),
            review_rounds=project_selectors.published_rounds(contract),
            final_evaluation=project_selectors.published_evaluation(contract),
            shows_illustrative=selectors.has_illustrative_content(contract)
            or any(project_selectors.is_illustrative(project) for project in projects),
            **kwargs,
        )


class StatementView(TemplateView):
    """A statement whose legal prose is written per language, not translated string by string.

    The template is `pages/<language>/<name>.html` for the active language, falling back to
    Dutch, the language in which the statement is authoritative.
    """

    statement = ""

    def get_template_names(self):
        language = translation.get_language() or settings.LANGUAGE_CODE
        return [
            f"pages/{language}/{self.statement}.html",
            f"pages/{settings.LANGUAGE_CODE}/{self.statement}.html",
        ]

    def get_context_data(self, **kwargs):
        # CONTACT_EMAIL is optional: without it the statements point at the municipality's
        # general contact channels instead of showing a made-up address.
        return super().get_context_data(contact_email=settings.CONTACT_EMAIL, **kwargs)


class GlossaryView(TemplateView):
    """The words of the neighbourhood approach that residents may not know, explained in the
    visitor's language; each under its Dutch word as anchor (/begrippen/#trekker)."""

    template_name = "wijkaanpak/glossary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(terms=glossary.sorted_terms(), **kwargs)


class AccessibilityView(StatementView):
    statement = "accessibility"


class PrivacyView(StatementView):
    statement = "privacy"


def _archived_files():
    return [
        (document.file.name, document.sha256, document.size)
        for _kind, document in documents.archived_documents()
    ]


# The parts /healthz reports, in order: (name, check, whether it needs the database). A check
# is a function that returns a dict of details or raises health.Problem
# (see wijkaanpak.common.health).
# The outbox gets its line here, e.g. ("outbox", outbox_backlog, True) with a function that
# raises health.Problem when mail has waited or failed too long and returns {"queued": n}.
HEALTH_CHECKS = [
    ("database", health.database, False),
    ("cache", health.cache_roundtrip, False),
    ("media", health.media_writable, False),
    ("archive", lambda: health.archive_files(_archived_files), True),
    ("outbox", health.outbox, True),
]


@require_safe
def security_txt(request):
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability, until when.

    Contact is settings.SECURITY_CONTACT (by default mailto: the CONTACT_EMAIL); without one
    there is nobody to name, and the file is a 404. Expires is the end of the day
    SECURITY_TXT_EXPIRES names, in the site's time zone; a deploy check warns before it.
    """
    if not settings.SECURITY_CONTACT:
        raise Http404("No security contact is configured")
    expires = datetime.datetime.combine(
        settings.SECURITY_TXT_EXPIRES_DATE,
        datetime.time(23, 59, 59),
        tzinfo=ZoneInfo(settings.TIME_ZONE),
    )
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.isoformat()}",
        "Preferred-Languages: nl, en",
        f"Canonical: {settings.SITE_URL}{request.path}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """Each part of the site with its state, as JSON, for load balancers and monitors.

    200 with {"status": "ok", "checks": {...}} when every part is healthy, else 503 with
    "status": "error" and, for the part that fails, its "error". Never a 500: a check that
    raises anything counts as failed (and is logged). Checks that need the database are
    "skipped" when it fails.
    """
    checks = {}
    database_ok = True
    for name, check, needs_database in HEALTH_CHECKS:
        if needs_database and not database_ok:
            checks[name] = {"status": "skipped"}
            continue
        try:
            checks[name] = {"status": "ok", **check()}
        except health.Problem as problem:
            logger.error("Health check: %s: %s", name, problem.args[0])
            details = problem.args[1] if len(problem.args) > 1 else {}
            checks[name] = {"status": "error", "error": problem.args[0], **details}
        except Exception as error:
            logger.exception("Health check: %s failed", name)
            checks[name] = {"status": "error", "error": type(error).__name__}
        if name == "database":
            database_ok = checks[name]["status"] == "ok"
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def page_not_found(request, exception):
    """Our styled 404 page, in the visitor's language."""
    return render(request, "404.html", status=404)


def server_error(request):
    """The styled 500 page, rendered without the request or the database.

    Whatever broke may be the database, a context processor or the session, so the template
    gets a plain context with only settings-derived values. Should even that fail (say, a
    missing static manifest), a bare page is returned: an error page must never raise.
    """
    try:
        body = loader.get_template("500.html").render(
            {
                "LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE,
                "municipality_name": settings.MUNICIPALITY_NAME,
            }
        )
    except Exception:
        logger.exception("The 500 page could not be rendered")
        body = (
            "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>"
            "<title>Server error</title></head><body><main><h1>Server error</h1>"
            "<p>Er ging iets mis. Probeer het later opnieuw. / Something went wrong. "
            "Please try again later.</p></main></body></html>"
        )
    return HttpResponseServerError(body)
