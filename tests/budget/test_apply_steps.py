"""The application form in two steps, without JavaScript: the wijk first, then a form with
only that wijk's wishes and projects; a wish or project of another wijk is refused."""

import pytest
from django.urls import reverse

from budget.models import InitiativeApplication
from tests.factories import application_form_data, project_in_signed_contract

URL = reverse("budget:apply")

pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture
def other_project(db):
    """A project, with its wish, in the signed contract of another wijk."""
    return project_in_signed_contract(title="Speeltuin elders")


def offered(response, field):
    """The values a list of step two offers, without the empty choice."""
    return [str(value) for value, _label in response.context["form"].fields[field].choices if value]


def test_step_two_offers_only_the_chosen_wijks_wishes_and_projects(
    client, fund, wish, project, other_project
):
    other_wish = other_project.contract.wishes.first()

    response = client.get(URL, {"wijk": wish.contract.neighbourhood.slug})

    assert offered(response, "wish") == [
        str(pk) for pk in wish.contract.wishes.order_by("order", "pk").values_list("pk", flat=True)
    ]
    assert offered(response, "project") == [str(project.pk)]
    assert str(other_wish.pk) not in offered(response, "wish")
    html = response.content.decode()
    assert "Speeltuin elders" not in html
    assert "<optgroup" not in html  # one wijk: no groups by wijk

    response = client.get(URL, {"wijk": other_project.contract.neighbourhood.slug})
    assert offered(response, "project") == [str(other_project.pk)]


def test_the_two_steps_work_as_plain_html_forms(client, fund, wish):
    """Step one is a GET form whose answer is the address of step two; step two posts."""
    step_one = client.get(URL)
    assert step_one.context["form"] is None
    # What a browser without JavaScript sends when the resident picks the wijk:
    step_two = client.get(
        URL, {"wijk": step_one.context["choice_form"].fields["wijk"].choices[1][0]}
    )
    assert step_two.context["neighbourhood"] == wish.contract.neighbourhood
    assert step_two.context["form"] is not None

    response = client.post(URL, application_form_data(wish))

    assert response.status_code == 302
    application = InitiativeApplication.objects.get()
    assert application.neighbourhood == wish.contract.neighbourhood
    assert application.wish == wish


def test_a_forged_wish_of_another_wijk_is_refused_in_dutch(client, fund, wish, other_project):
    other_wish = other_project.contract.wishes.first()

    response = client.post(URL, application_form_data(wish, wish=other_wish.pk))

    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.errors.as_data()["wish"]] == ["wish_of_other_wijk"]
    assert "Kies een wens uit het wijkcontract van deze wijk." in response.content.decode()
    assert not InitiativeApplication.objects.exists()
    # The page shown again still offers only the posted wijk's wishes.
    assert str(other_wish.pk) not in offered(response, "wish")
    assert response.context["neighbourhood"] == wish.contract.neighbourhood


def test_a_forged_project_of_another_wijk_is_refused(client, fund, wish, other_project):
    response = client.post(URL, application_form_data(wish, project=other_project.pk))

    codes = [error.code for error in response.context["form"].errors.as_data()["project"]]
    assert codes == ["project_of_other_wijk"]
    assert not InitiativeApplication.objects.exists()


def test_a_post_without_a_known_wijk_asks_the_wijk_in_the_form(client, fund, wish, other_project):
    response = client.post(URL, application_form_data(wish, neighbourhood="999999"))

    assert response.status_code == 200
    assert response.context["neighbourhood"] is None
    html = response.content.decode()
    assert '<select name="neighbourhood"' in html
    assert "<optgroup" in html  # every wijk's wishes, grouped, so nothing typed is lost
    assert not InitiativeApplication.objects.exists()
