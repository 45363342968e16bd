"""The staff admin passes axe-core (WCAG 2.1 A/AA) on every page, on the real pilot data.

Dutch law (Besluit digitale toegankelijkheid overheid) holds the logged-in parts of a
government site to the same standard as the public ones. One superuser, one browser tab, one
login: the index, every registered model's list, the change form of one row of each model that
has rows, the add form of each model that allows adding, a contract's history, the form that
registers a signing, the outbox with a mail in it, and a draft contract's form with rows added
in the browser. Every violation of every page is collected and reported at once.
"""

import time
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from contracts import services
from contracts.choices import ContractStatus
from tests.conftest import axe_audit, log_in
from tests.factories import UserFactory, complete_contract
from wijkaanpak.common import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pilot(pilot_committed):
    """The pilot with its demo accounts, a draft contract and one ready for signing (the pilot's
    are signed, so their parts are read-only), and a mail with an attachment in the outbox."""
    # Refused without DEBUG: the demo accounts share a known password.
    with override_settings(DEBUG=True):
        call_command("create_demo_accounts", stdout=StringIO())
    draft = complete_contract(title="Wijkcontract Parkwijk, 2010 – 2012")
    ready = complete_contract(title="Wijkcontract Parkwijk, 2008 – 2010")
    services.change_status(ready, ContractStatus.READY_FOR_SIGNING)
    message = EmailMessage(
        subject="Uw aanvraag", body="Tekst", to=["bewoner@example.org"], from_email="a@example.org"
    )
    message.attach("besluit.pdf", b"%PDF-1.4\n", "application/pdf")
    mail.queue(message)
    return draft, ready


def admin_paths(user):
    """Every list, one change form per model with rows and every add form, as the user sees them."""
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        if not model_admin.has_view_or_change_permission(request):
            continue
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
        if model_admin.has_add_permission(request):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
    return paths


def violation_lines(path, violations):
    """One readable block per violated rule: rule, impact, help and the offending elements."""
    lines = []
    for violation in violations:
        lines.append(
            f"{path}: {violation['id']} ({violation['impact']}) {violation['help']}"
            f" [{len(violation['nodes'])}×]"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:120]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return lines


def test_every_admin_page_passes_axe(page, pilot):
    superuser = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    draft, ready = pilot
    paths = [
        *admin_paths(superuser),
        reverse("admin:contracts_contract_change", args=[draft.pk]),
        reverse("admin:contracts_contract_history", args=[draft.pk]),
        reverse("admin:contracts_contract_signing", args=[ready.pk]),
    ]
    log_in(page, superuser.username)

    started = time.monotonic()
    report, failed_loads = [], []
    for path in paths:
        response = page.goto(path)
        if response.status != 200:
            failed_loads.append(f"{path}: HTTP {response.status}")
            continue
        report += violation_lines(path, axe_audit(page).response["violations"])
    # Rows added in the browser get their controls from the inline's template row.
    draft_page = reverse("admin:contracts_contract_change", args=[draft.pk])
    page.goto(draft_page)
    add_links = page.locator(".inline-group .add-row a")
    assert add_links.count() >= 3
    for link in add_links.all():
        link.click()
    report += violation_lines(f"{draft_page} (rows added)", axe_audit(page).response["violations"])
    elapsed = time.monotonic() - started

    print(f"\naxe checked {len(paths)} admin pages and one with added rows in {elapsed:.0f} s")
    assert not failed_loads, "\n".join(failed_loads)
    pages_with_violations = len({line.split(":")[0] for line in report if line.startswith("/")})
    assert pages_with_violations == 0, "\n".join(report)
