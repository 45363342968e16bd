"""The admin fits a 1366-pixel screen: no list or form of the editor or the budget manager
scrolls sideways, on the pilot data, with the menu and the list's filters shown.

Measured in Chromium: the page itself may not be wider than the window, and no element that
scrolls on its own (a list's table sits in one) may hold more than it shows.
"""

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366
# Reworked elsewhere, each with a layout of its own: the contract's change form (its inline
# rows) and the budget manager's page of one application.
OWN_LAYOUT = {("contracts", "contract", "change"), ("budget", "initiativeapplication", "change")}

OVERFLOW = """() => {
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    found.push('page ' + document.documentElement.scrollWidth);
  }
  for (const el of document.querySelectorAll('body *')) {
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      found.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className)
                 + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
  }
  return found;
}"""


@pytest.fixture
def pilot(pilot_committed):
    # Refused without DEBUG: the demo accounts share a known password.
    with override_settings(DEBUG=True):
        call_command("create_demo_accounts", stdout=StringIO())


def lists_and_forms(user):
    """Every list the user sees, the change form of its first row and its add form."""
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        if not model_admin.has_view_or_change_permission(request):
            continue
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None and (*info, "change") not in OWN_LAYOUT:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[quote(first.pk)]))
        if model_admin.has_add_permission(request):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
    return paths


@pytest.mark.parametrize("username", ["redacteur", "budgetbeheerder"])
def test_no_list_or_form_scrolls_sideways_at_1366_pixels(page, pilot, username):
    user = get_user_model().objects.get(username=username)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, username, password="wijkaanpak-demo")

    paths = lists_and_forms(user)
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        problems += [f"{path}: {found}" for found in page.evaluate(OVERFLOW)]

    assert len(paths) > 15
    assert not problems, "\n".join(problems)
