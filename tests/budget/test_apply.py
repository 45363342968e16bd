"""The residents' application form: success, every refusal by code, spam protection."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from budget.models import InitiativeApplication
from contracts.choices import ContractStatus
from tests.conftest import assert_accessible
from tests.factories import (
    ResidentWishFactory,
    application_form_data,
    contract_in_status,
    project_in_signed_contract,
)
from wijkaanpak.common.money import normalise_amount

URL = reverse("budget:apply")
RECEIVED_URL = reverse("budget:apply_received")

pytestmark = pytest.mark.usefixtures("empty_cache")


def error_codes(response):
    errors = response.context["form"].errors.as_data()
    return {field: [error.code for error in errs] for field, errs in errors.items()}


def test_step_one_lists_only_wijken_with_a_public_contract(client, fund, wish):
    draft = contract_in_status(ContractStatus.DRAFT)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["form"] is None
    slugs = [value for value, _label in response.context["choice_form"].fields["wijk"].choices]
    assert wish.contract.neighbourhood.slug in slugs
    assert draft.neighbourhood.slug not in slugs
    choice_form = response.content.decode().split('data-form="choose-neighbourhood"')[1]
    choice_form = choice_form.split("</form>")[0]
    assert 'name="wijk"' in choice_form
    assert "csrfmiddlewaretoken" not in choice_form  # a GET form: a link one can share


def test_step_two_is_the_application_form(client, fund, wish):
    response = client.get(URL, {"wijk": wish.contract.neighbourhood.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "novalidate" in html
    assert reverse("privacy") in html
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert "style=" not in html and "<script" not in html


def test_an_application_is_saved_and_its_reference_shown_once(client, fund, wish):
    response = client.post(URL, application_form_data(wish))
    assert response.status_code == 302
    assert response.url == RECEIVED_URL
    application = InitiativeApplication.objects.get()
    year = datetime.date.today().year
    assert application.reference == f"IA-{year}-0001"
    assert application.amount_requested == Decimal("1250.50")
    assert application.wish == wish
    assert application.fund == fund

    page = client.get(RECEIVED_URL)
    assert application.reference in page.content.decode()
    again = client.get(RECEIVED_URL)
    assert again.status_code == 200
    assert application.reference not in again.content.decode()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.250,50", "1250.50"),
        ("1250,50", "1250.50"),
        ("1250.50", "1250.50"),
        ("€ 1.250", "1250"),
        ("12.500.000", "12500000"),
        ("€ 750,-", "750"),
        ("750,--", "750"),
        ("500,00", "500.00"),
        ("EUR 500", "500"),
        ("€ 1.250,50", "1250.50"),
        ("-,-", None),
        ("abc", None),
        ("1e5", None),
        ("", None),
    ],
)
def test_amounts_are_read_the_dutch_way(typed, expected):
    assert normalise_amount(typed) == expected


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"amount_requested": "twaalf"}, "amount_requested", "amount_invalid"),
        ({"amount_requested": "12,345"}, "amount_requested", "amount_too_precise"),
        ({"amount_requested": "0"}, "amount_requested", "amount_not_positive"),
        ({"amount_requested": "-50"}, "amount_requested", "amount_not_positive"),
        ({"amount_requested": "99.999.999,00"}, "amount_requested", "amount_absurd"),
        ({"amount_requested": ""}, "amount_requested", "required"),
        ({"no_other_budget": ""}, "no_other_budget", "declaration_missing"),
        ({"wish": "", "fit_explanation": ""}, "fit_explanation", "fit_missing"),
        ({"title": "x" * 151}, "title", "max_length"),
        ({"description": "x" * 5001}, "description", "max_length"),
        ({"cost_breakdown": "x" * 3001}, "cost_breakdown", "max_length"),
        ({"contact_email": "geen-adres"}, "contact_email", "invalid"),
        ({"contact_name": ""}, "contact_name", "required"),
        ({"neighbourhood": ""}, "neighbourhood", "required"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_saved(
    client, fund, wish, overrides, field, code
):
    response = client.post(URL, application_form_data(wish, **overrides))
    assert response.status_code == 200
    assert code in error_codes(response).get(field, []), error_codes(response)
    assert not InitiativeApplication.objects.exists()
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'href="#id_{field}"' in html


def test_a_wish_or_project_of_another_wijk_is_refused(client, fund, wish, project):
    other = project_in_signed_contract()
    response = client.post(
        URL,
        application_form_data(
            wish,
            neighbourhood=other.contract.neighbourhood_id,
            wish=wish.pk,
            project=project.pk,
        ),
    )
    assert response.status_code == 200
    codes = error_codes(response)
    assert codes["wish"] == ["wish_of_other_wijk"]
    assert codes["project"] == ["project_of_other_wijk"]
    assert not InitiativeApplication.objects.exists()


def test_a_wish_of_a_draft_contract_cannot_be_chosen(client, fund, wish):
    draft_wish = ResidentWishFactory(contract=contract_in_status(ContractStatus.DRAFT))
    response = client.post(URL, application_form_data(wish, wish=draft_wish.pk))
    assert error_codes(response)["wish"] == ["invalid_choice"]
    assert not InitiativeApplication.objects.exists()


def test_an_explanation_instead_of_a_wish_is_enough(client, fund, wish):
    response = client.post(
        URL, application_form_data(wish, wish="", fit_explanation="Past bij de wens om meer groen.")
    )
    assert response.status_code == 302
    assert InitiativeApplication.objects.get().wish is None


def test_hostile_text_is_stored_as_text_and_shown_escaped(client, fund, wish):
    hostile = '<script>alert("x")</script><b>vet</b>'
    response = client.post(
        URL,
        application_form_data(
            wish, title=hostile[:150], amount_requested="abc", description=hostile
        ),
    )
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    client.post(URL, application_form_data(wish, title=hostile, description=hostile))
    application = InitiativeApplication.objects.get()
    assert application.description == hostile


def test_a_filled_honeypot_pretends_success_and_saves_nothing(client, fund, wish, caplog):
    response = client.post(URL, application_form_data(wish, website="http://spam.example"))
    assert response.status_code == 302
    assert response.url == RECEIVED_URL
    assert not InitiativeApplication.objects.exists()
    assert "honeypot" in caplog.text
    page = client.get(RECEIVED_URL)
    assert "IA-" not in page.content.decode()


def test_the_sixth_application_in_an_hour_is_refused(client, fund, wish, settings, caplog):
    settings.RATELIMIT_APPLICATIONS = "5/h"
    for number in range(5):
        assert (
            client.post(URL, application_form_data(wish, title=f"Feest {number}")).status_code
            == 302
        )
    response = client.post(URL, application_form_data(wish, title="Feest 6"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "rate_limited" in error_codes(response)["__all__"]
    assert "Rate limit reached (applications)" in caplog.text
    assert InitiativeApplication.objects.count() == 5
    # Another address is not affected.
    other = client.post(URL, application_form_data(wish), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_without_a_fund_there_is_no_form_and_nothing_changes(client, wish):
    response = client.get(URL)
    assert response.status_code == 200
    assert "data-no-fund" in response.content.decode()
    assert '<form class="application-form"' not in response.content.decode()
    response = client.post(URL, application_form_data(wish))
    assert response.status_code == 200
    assert not InitiativeApplication.objects.exists()


def test_received_page_without_application_shows_general_text(client, db):
    response = client.get(RECEIVED_URL)
    assert response.status_code == 200
    assert response.context["reference"] is None


# --- In a browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_works_with_the_keyboard_and_passes_axe(page, fund, wish):
    page.goto(URL)
    assert_accessible(page)
    # Step one sent without a choice: the summary links to the list.
    page.locator("form.neighbourhood-choice-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-error-summary]")
    assert_accessible(page)
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_wijk"
    page.select_option("#id_wijk", wish.contract.neighbourhood.slug)
    page.locator("form.neighbourhood-choice-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("form.application-form")
    assert_accessible(page)

    # Step two sent empty: the error summary links to the fields, and the page still passes.
    page.locator("form.application-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-error-summary]")
    assert_accessible(page)
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_title"

    page.fill("#id_title", "Buurtfeest")
    page.fill("#id_description", "Een feest voor de straat.")
    page.select_option("#id_wish", str(wish.pk))
    page.fill("#id_own_contribution", "Wij doen het zelf.")
    page.locator("#id_no_other_budget").focus()
    page.keyboard.press("Space")
    page.fill("#id_amount_requested", "1.250,50")
    page.fill("#id_cost_breakdown", "Tent en eten")
    page.fill("#id_contact_name", "Anna")
    page.fill("#id_contact_email", "anna@example.org")
    page.locator("#id_contact_phone").focus()
    # The honeypot is skipped by Tab: the next stop is the submit button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: RECEIVED_URL in url)
    assert "IA-" in page.locator("[data-reference]").inner_text()
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_the_wijk_page_opens_the_form_with_its_wijk_chosen(client, fund, wish):
    neighbourhood = wish.contract.neighbourhood
    wijk_page = client.get(reverse("neighbourhood_detail", kwargs={"slug": neighbourhood.slug}))
    link = f"{URL}?wijk={neighbourhood.slug}"

    form = client.get(link)

    assert f'href="{link}"' in wijk_page.content.decode()
    assert form.context["form"]["neighbourhood"].value() == neighbourhood.pk
    html = form.content.decode()
    assert f'<input type="hidden" name="neighbourhood" value="{neighbourhood.pk}"' in html
    assert f'data-chosen-neighbourhood="{neighbourhood.slug}"' in html
    assert f'href="{URL}" data-change-neighbourhood' in html


@pytest.mark.parametrize(
    ("slug", "code"),
    [("bestaat-niet", "invalid_choice"), ("<script>", "invalid_choice"), ("", "required")],
)
def test_an_unknown_wijk_in_the_link_asks_the_wijk_again(client, fund, wish, slug, code):
    response = client.get(URL, {"wijk": slug})

    assert response.status_code == 200
    assert response.context["form"] is None
    errors = response.context["choice_form"].errors.as_data()
    assert [error.code for error in errors["wijk"]] == [code]
    html = response.content.decode()
    assert 'href="#id_wijk"' in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_the_home_page_links_to_the_form(client, fund, wish):
    content = client.get(reverse("home")).content.decode()

    assert f'href="{URL}" data-apply-link' in content


def test_every_error_shows_in_one_pass_and_each_once(client, fund, wish, project):
    """The field errors and what the service refuses (the declaration, a wish of another wijk,
    an amount above what the fund can grant) come together, not in a second round."""
    other = project_in_signed_contract()
    data = application_form_data(
        wish,
        neighbourhood=other.contract.neighbourhood_id,
        title="",
        contact_email="geen-adres",
        no_other_budget="",
        amount_requested="€ 999.999,00",
    )

    response = client.post(URL, data)

    assert response.status_code == 200
    codes = error_codes(response)
    assert codes == {
        "title": ["required"],
        "contact_email": ["invalid"],
        "wish": ["wish_of_other_wijk"],
        "no_other_budget": ["declaration_missing"],
        "amount_requested": ["amount_above_available"],
    }
    content = response.content.decode()
    declaration = "Verklaar dat geen ander budget dit initiatief kan betalen."
    assert content.count(declaration) == 2  # in the summary at the top and at its field
    assert not InitiativeApplication.objects.exists()


def test_the_form_states_the_most_the_fund_can_grant(client, fund, wish):
    from budget.services import available_for_initiatives
    from wijkaanpak.common.money import format_euro

    content = client.get(URL, {"wijk": wish.contract.neighbourhood.slug}).content.decode()

    available = format_euro(available_for_initiatives(fund))
    assert available in content.replace("\xa0", " ")
