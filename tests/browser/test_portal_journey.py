"""A project team member in a real browser: log in, log an update, hand in the midterm report;
then a resident reads the update. Every portal page passes axe, with and without errors."""

import datetime

import pytest
from django.utils import timezone

from projects.models import ProgressUpdate, ProjectReport, ReportingRound
from tests.conftest import assert_accessible
from tests.factories import TeamMembershipFactory, UserFactory, project_in_signed_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
UPDATE_TEXT = "De eerste twee speelplekken zijn opgeknapt en geopend met de buurt."


@pytest.fixture
def team(db):
    """A member of one project's team, another team's project, and an open midterm round."""
    project = project_in_signed_contract(title="Speelplekken opknappen")
    other = project_in_signed_contract(title="Project van een ander team")
    member = UserFactory(username="teamlid", first_name="Fatima", last_name="El Amrani")
    TeamMembershipFactory(project=project, user=member, role="lead")
    midterm = ReportingRound.objects.create(
        title="Tussenevaluatie oktober 2008",
        due_date=timezone.localdate() + datetime.timedelta(days=14),
        opened_at=timezone.now(),
    )
    midterm.contracts.set([project.contract, other.contract])
    return {"project": project, "other": other, "member": member, "round": midterm}


def log_in(page):
    page.goto("/team/")
    page.wait_for_url("**/team/inloggen/?next=/team/")
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    page.locator("#id_username").fill("teamlid")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[data-form=login] [type=submit]").click()
    page.wait_for_url("**/team/")


def tab_to(page, selector, limit=150):
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def test_a_team_member_logs_an_update_and_hands_in_the_midterm_report(
    page, browser, live_server, team
):
    project, other, midterm = team["project"], team["other"], team["round"]

    log_in(page)
    assert page.locator("h1").count() == 1
    assert page.locator(f'[data-project="{project.pk}"]').count() == 1
    assert page.locator(f'[data-project="{other.pk}"]').count() == 0
    assert page.locator(f'[data-report-request="{midterm.pk}"]').count() == 1
    assert_accessible(page)

    # The work page: a refused update first, then a good one.
    page.locator(f'a[href="/team/projecten/{project.pk}/"]').click()
    page.wait_for_url(f"**/team/projecten/{project.pk}/")
    assert page.locator("h1").inner_text() == project.title
    assert_accessible(page)
    form = page.locator("form[data-form=progress-update]")
    form.locator("#id_percent_complete").fill("101")
    form.locator("[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    assert summary.get_attribute("role") == "alert"
    assert_accessible(page)
    summary.locator('a[href="#id_percent_complete"]').click()
    assert page.evaluate("document.activeElement.id") == "id_percent_complete"
    assert ProgressUpdate.objects.count() == 0

    form.locator("#id_status").select_option("on_schedule")
    form.locator("#id_percent_complete").fill("40")
    form.locator("#id_happened").fill(UPDATE_TEXT)
    form.locator("#id_next_steps").fill("De derde speelplek volgt in het voorjaar.")
    form.locator("input[name=visibility][value=public]").check()
    form.locator("[type=submit]").click()
    page.wait_for_selector('[data-message="success"]')
    assert page.locator("[data-error-summary]").count() == 0
    assert UPDATE_TEXT in page.locator("main").inner_text()
    assert_accessible(page)
    update = ProgressUpdate.objects.get()
    assert (update.status, update.percent_complete) == ("on_schedule", 40)

    # The midterm report, with the keyboard alone.
    page.goto("/team/")
    tab_to(page, f'a[href="/team/rondes/{midterm.pk}/projecten/{project.pk}/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/team/rondes/{midterm.pk}/projecten/{project.pk}/")
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    assert page.locator("#id_status").input_value() == "on_schedule"
    assert page.locator("#id_percent_complete").input_value() == "40"
    tab_to(page, "#id_achieved")
    page.keyboard.type("Twee van de drie speelplekken zijn klaar.")
    tab_to(page, "#id_deviations")
    page.keyboard.type("De derde is uitgesteld: de leverancier ging failliet.")
    tab_to(page, "form[data-form=project-report] [type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-report]")
    assert page.locator("form[data-form=project-report]").count() == 0
    assert "Twee van de drie speelplekken zijn klaar." in page.locator("main").inner_text()
    assert_accessible(page)
    report = ProjectReport.objects.get()
    assert (report.round, report.project, report.percent_complete) == (midterm, project, 40)

    # A resident, without a login, reads the public update.
    resident = browser.new_context(base_url=live_server.url, locale="nl-NL")
    try:
        public = resident.new_page()
        public.goto(f"/projecten/{project.pk}/")
        assert UPDATE_TEXT in public.locator("main").inner_text()
        public.goto(project.contract.neighbourhood.get_absolute_url())
        assert UPDATE_TEXT in public.locator("main").inner_text()
    finally:
        resident.close()


def test_the_other_portal_pages_pass_axe(page, team):
    page.goto("/team/wachtwoord-vergeten/")
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    page.locator("#id_email").fill(team["member"].email)
    page.locator("form[data-form=password-reset] [type=submit]").click()
    page.wait_for_url("**/team/wachtwoord-vergeten/verstuurd/")
    assert_accessible(page)

    log_in(page)
    page.goto(f"/team/projecten/{team['other'].pk}/")
    assert page.locator("[data-error='404']").count() == 1

    page.goto("/team/")
    page.locator("form[action='/team/uitloggen/'] [type=submit]").click()
    page.wait_for_url("**/team/inloggen/")
    assert page.locator('[data-message="info"]').count() == 1
    assert_accessible(page)
