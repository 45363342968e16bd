"""The admin's wijk filter is an autocomplete field: found with the keyboard, a wijk chosen by
typing part of its name, the list filtered, and the page passes axe with the choices open."""

import re

import pytest
from django.urls import reverse

from tests.conftest import assert_accessible, log_in
from tests.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wijk_is_chosen_in_the_filter_with_the_keyboard_alone(page):
    wanted = ProjectFactory(contract__neighbourhood__name="Schalkwijk", title="Speeltuin")
    ProjectFactory(contract__neighbourhood__name="Delftwijk", title="Buurthuis")
    UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    log_in(page, "beheerder")
    page.goto(reverse("admin:projects_project_changelist"))
    assert_accessible(page)

    # Tab from the search field until the wijk filter's combobox has the focus.
    page.focus("#searchbar")
    combobox = page.get_by_role("combobox", name=re.compile("wijk", re.I))
    for _ in range(150):
        page.keyboard.press("Tab")
        if combobox.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the wijk filter cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.keyboard.type("Schalk")
    page.get_by_role("option", name="Schalkwijk").wait_for()
    assert_accessible(page)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"contract__neighbourhood={wanted.contract.neighbourhood_id}"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Speeltuin" in rows.first.inner_text()
