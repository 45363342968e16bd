"""The fund's admin: booking, paying, reducing and closing through the ledger's services;
reviewing and deciding applications; permissions; refusals that write nothing; queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from post_office.models import Email

from budget import services
from budget.choices import AllocationStatus, ApplicationStatus, CategoryKind, Criterion
from budget.models import (
    Allocation,
    FundCategory,
    InitiativeApplication,
    Payment,
)
from tests import pdf_reading
from tests.admin_pages import error_tags, messages_of
from tests.conftest import count_queries
from tests.factories import FundFactory, NeighbourhoodFactory, UserFactory, book_allocation
from wijkaanpak.common import mail

DAY = datetime.date(2007, 11, 1)


# --- Data -------------------------------------------------------------------------------------

# The `fund` of tests/conftest.py, with at most € 50.000 for organisation costs.
FUND_TERMS = {"organisation_ceiling": 50000}


def category(fund, kind):
    return fund.categories.get(kind=kind)


def allocation_of(fund, amount="1000.00", kind=CategoryKind.ORGANISATION):
    return book_allocation(fund, amount, kind, purpose="Folder en bezorging", decision_date=DAY)


_numbers = iter(range(1, 10_000))


def application_of(fund, status=ApplicationStatus.IN_REVIEW, amount="2000.00", **kwargs):
    number = next(_numbers)
    return InitiativeApplication.objects.create(
        reference=f"IA-2008-{number:04d}",
        fund=fund,
        neighbourhood=kwargs.pop("neighbourhood", None) or NeighbourhoodFactory(),
        title="Speeltuin opknappen",
        description="Wij knappen de speeltuin op.",
        fit_explanation="Past bij de wens voor meer speelruimte.",
        own_contribution="Bewoners schilderen zelf.",
        no_other_budget=True,
        amount_requested=Decimal(amount),
        cost_breakdown="Verf 500, hout 1500",
        contact_name="A. Aanvrager",
        contact_email="aanvrager@example.org",
        status=status,
        **kwargs,
    )


def url(model, name="changelist", *args):
    return reverse(f"admin:budget_{model}_{name}", args=args)


def tags(response):
    return set().union(*(tags for _level, tags, _text in messages_of(response)))


# --- Money format -----------------------------------------------------------------------------


def test_the_fund_page_shows_its_figures(superuser, client, fund):
    allocation = allocation_of(fund, "1500.00")
    services.record_payment(allocation, amount="500", paid_on=DAY)
    client.force_login(superuser)

    response = client.get(url("fund", "change", fund.pk))

    content = response.content.decode()
    assert "€ 250.000,00" in content
    assert "€ 1.500,00" in content
    assert "€ 500,00" in content
    assert "€ 248.500,00" in content


def test_only_superusers_edit_a_fund(budget_manager, fund):
    assert budget_manager.get(url("fund")).status_code == 200
    assert budget_manager.get(url("fund", "add")).status_code == 403
    response = budget_manager.post(url("fund", "change", fund.pk), {"name": "Anders"})
    assert response.status_code == 403
    fund.refresh_from_db()
    assert fund.name == "Wijkaanpak"


# --- Permissions ------------------------------------------------------------------------------

PAGES = ["fund", "allocation", "payment", "initiativeapplication", "criterionreview"]


@pytest.mark.parametrize("model", PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, model):
    response = client.get(url(model))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("model", PAGES)
def test_non_staff_users_are_sent_to_the_login(client, other_user, model):
    client.force_login(other_user)
    response = client.get(url(model))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("model", PAGES)
def test_editors_without_budget_rights_are_refused(editor, model):
    assert editor.get(url(model)).status_code == 403


def test_editors_cannot_book_pay_or_decide(editor, fund):
    allocation = allocation_of(fund)
    application = application_of(fund)
    assert editor.get(url("allocation", "add")).status_code == 403
    assert editor.post(url("allocation", "pay", allocation.pk), {}).status_code == 403
    assert editor.post(url("allocation", "reduce", allocation.pk), {}).status_code == 403
    assert editor.post(url("allocation", "close", allocation.pk)).status_code == 403
    response = editor.post(
        url("initiativeapplication", "decide", application.pk), {"decision": "granted"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("model", PAGES)
def test_budget_managers_see_the_budget_pages(budget_manager, fund, model):
    assert budget_manager.get(url(model)).status_code == 200


# --- Booking ----------------------------------------------------------------------------------


def booking(fund, amount="5000.00", kind=CategoryKind.ORGANISATION, **extra):
    return {
        "fund": fund.pk,
        "category": category(fund, kind).pk,
        "neighbourhood": "",
        "amount": amount,
        "purpose": "Ondertekening en persbijeenkomst",
        "decision_date": "2007-11-01",
        "decision_reference": "B&W 2007/12",
        **extra,
    }


def test_a_budget_manager_books_an_allocation(budget_manager, budget_manager_user, fund):
    assert budget_manager.get(url("allocation", "add")).status_code == 200

    response = budget_manager.post(url("allocation", "add"), booking(fund))

    allocation = Allocation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("allocation", "change", allocation.pk)
    assert allocation.amount == Decimal("5000.00")
    assert allocation.decided_by == budget_manager_user
    assert allocation.decision_reference == "B&W 2007/12"
    assert "allocation_booked" in tags(response)


def test_a_booking_over_the_ceiling_is_refused_and_nothing_booked(budget_manager, fund):
    allocation_of(fund, "49000.00")

    response = budget_manager.post(url("allocation", "add"), booking(fund, "1000.01"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["amount"]] == ["category_ceiling_exceeded"]
    assert Allocation.objects.count() == 1


def test_a_booking_over_the_fund_is_refused(budget_manager, fund):
    allocation_of(fund, "240000.00", kind=CategoryKind.INITIATIVES)

    response = budget_manager.post(
        url("allocation", "add"), booking(fund, "10000.01", kind=CategoryKind.INITIATIVES)
    )

    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["amount"]] == ["fund_exceeded"]
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "amount_not_positive"),
        ("-5", "amount_not_positive"),
        ("abc", "amount_invalid"),
        ("12,345", "amount_too_precise"),
        ("99999999", "amount_absurd"),
    ],
)
def test_bad_amounts_are_refused(budget_manager, fund, amount, code):
    response = budget_manager.post(url("allocation", "add"), booking(fund, amount))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["amount"]] == [code]
    assert Allocation.objects.count() == 0


def test_a_category_of_another_fund_is_refused(budget_manager, fund):
    other = FundFactory(
        name="Ander fonds",
        total=1000,
        decision_reference="X",
        decision_date=DAY,
        period_start=DAY,
        period_end=DAY + datetime.timedelta(days=1),
    )
    alien = FundCategory.objects.create(fund=other, kind=CategoryKind.ORGANISATION)

    response = budget_manager.post(url("allocation", "add"), booking(fund, category=alien.pk))

    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["category"]] == ["category_of_other_fund"]
    assert Allocation.objects.count() == 0


def test_an_allocation_cannot_be_changed_or_deleted(budget_manager, fund):
    allocation = allocation_of(fund)
    page = budget_manager.get(url("allocation", "change", allocation.pk))
    assert page.status_code == 200
    assert url("allocation", "pay", allocation.pk) in page.content.decode()

    response = budget_manager.post(
        url("allocation", "change", allocation.pk), {"amount": "1", "purpose": "x"}
    )
    assert response.status_code == 403
    assert budget_manager.post(url("allocation", "delete", allocation.pk)).status_code == 403
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000.00")


# --- Paying, reducing, closing ----------------------------------------------------------------


def test_a_budget_manager_records_a_payment(budget_manager, budget_manager_user, fund):
    allocation = allocation_of(fund)

    response = budget_manager.post(
        url("allocation", "pay", allocation.pk),
        {"amount": "400.00", "paid_on": "2007-12-01", "reference": "F-1"},
    )

    assert response["Location"] == url("allocation", "change", allocation.pk)
    payment = Payment.objects.get()
    assert payment.amount == Decimal("400.00")
    assert payment.booked_by == budget_manager_user
    assert "payment_recorded" in tags(response)


def test_a_payment_above_the_allocation_is_refused(budget_manager, fund):
    allocation = allocation_of(fund)
    services.record_payment(allocation, amount="600", paid_on=DAY)

    response = budget_manager.post(
        url("allocation", "pay", allocation.pk), {"amount": "400.01", "paid_on": "2007-12-01"}
    )

    assert error_tags(response) == [{"payment_exceeds_allocation"}]
    assert Payment.objects.count() == 1


def test_payments_cannot_be_changed_or_deleted(budget_manager, fund):
    allocation = allocation_of(fund)
    payment = services.record_payment(allocation, amount="100", paid_on=DAY)

    assert budget_manager.get(url("payment", "change", payment.pk)).status_code == 200
    assert budget_manager.get(url("payment", "add")).status_code == 403
    response = budget_manager.post(url("payment", "change", payment.pk), {"amount": "1"})
    assert response.status_code == 403
    assert budget_manager.post(url("payment", "delete", payment.pk)).status_code == 403
    payment.refresh_from_db()
    assert payment.amount == Decimal("100.00")


def test_a_budget_manager_reduces_an_allocation(budget_manager, fund):
    allocation = allocation_of(fund)

    response = budget_manager.post(url("allocation", "reduce", allocation.pk), {"amount": "750"})

    allocation.refresh_from_db()
    assert allocation.amount == Decimal("750.00")
    assert "allocation_reduced" in tags(response)


def test_a_reduction_below_what_was_paid_is_refused(budget_manager, fund):
    allocation = allocation_of(fund)
    services.record_payment(allocation, amount="800", paid_on=DAY)

    response = budget_manager.post(url("allocation", "reduce", allocation.pk), {"amount": "700"})

    assert error_tags(response) == [{"below_paid"}]
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000.00")


def test_closing_asks_for_confirmation_and_returns_the_rest(budget_manager, fund):
    allocation = allocation_of(fund)
    services.record_payment(allocation, amount="300", paid_on=DAY)

    page = budget_manager.get(url("allocation", "close", allocation.pk))
    assert page.status_code == 200
    assert "€ 700,00" in page.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.OPEN

    response = budget_manager.post(url("allocation", "close", allocation.pk))

    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.CLOSED
    assert allocation.amount == Decimal("300.00")
    assert "allocation_was_closed" in tags(response)

    again = budget_manager.post(url("allocation", "close", allocation.pk))
    assert error_tags(again) == [{"allocation_closed"}]


def test_state_changes_are_post_only(budget_manager, fund):
    allocation = allocation_of(fund)
    application = application_of(fund)
    assert budget_manager.get(url("allocation", "pay", allocation.pk)).status_code == 405
    assert budget_manager.get(url("allocation", "reduce", allocation.pk)).status_code == 405
    for name in ("decide", "withdraw"):
        response = budget_manager.get(url("initiativeapplication", name, application.pk))
        assert response.status_code == 405


# --- Applications: the review and decision form ----------------------------------------------

MET = {True: "yes", False: "no"}


def review_form(met=(True, True, True), notes=(), **decision):
    """The review form as the page sends it: per criterion "met" (True, False or None for
    not assessed) and a note, then the decision's fields; the "decide" button by default."""
    data = {"action": "decide"}
    notes = list(notes) + [""] * (len(Criterion) - len(notes))
    for criterion, is_met, note in zip(Criterion, met, notes, strict=True):
        data[f"{criterion.value}_note"] = note
        if is_met is not None:
            data[f"{criterion.value}_met"] = MET[is_met]
    return {**data, **decision}


def decide(client, application, met=(True, True, True), notes=(), **decision):
    return client.post(
        url("initiativeapplication", "decide", application.pk),
        review_form(met, notes, **decision),
    )


def form_codes(response):
    """The codes of the errors on the review form the page came back with, by field."""
    form = response.context["review"]["form"]
    return {
        field: sorted(error.code for error in errors)
        for field, errors in form.errors.as_data().items()
    }


def assert_unchanged(application, status=ApplicationStatus.IN_REVIEW):
    application.refresh_from_db()
    assert application.status == status
    assert not application.reviews.exists()
    assert Allocation.objects.count() == 0
    assert not Email.objects.exists()


def test_the_application_page_shows_contact_data_and_the_one_form(budget_manager, fund):
    application = application_of(fund)

    response = budget_manager.get(url("initiativeapplication", "change", application.pk))

    content = response.content.decode()
    assert "aanvrager@example.org" in content
    assert (
        f'action="{url("initiativeapplication", "decide", application.pk)}#review-errors"'
        in content
    )
    assert content.count('class="review-form"') == 1
    assert "€ 2.000,00" in content
    # The form comes before the application itself (and before the page's "Close" button).
    assert content.index('class="review-form"') < content.index("Speeltuin opknappen</div>")
    for criterion in Criterion:
        assert f'name="{criterion.value}_met"' in content
        assert f'name="{criterion.value}_note"' in content


def test_without_the_change_permission_there_is_no_form(client, fund):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_initiativeapplication"))
    client.force_login(viewer)
    application = application_of(fund)

    response = client.get(url("initiativeapplication", "change", application.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert url("initiativeapplication", "decide", application.pk) not in content
    refused = decide(client, application, decision="granted")
    assert refused.status_code == 403
    assert_unchanged(application)


def test_one_post_reviews_the_criteria_and_decides(budget_manager, budget_manager_user, fund):
    application = application_of(fund)

    response = decide(
        budget_manager,
        application,
        notes=("Past bij de wens.", "", "Bewoners schilderen zelf."),
        decision="partly_granted",
        amount="€ 1.250,50",
        reason="De verf betaalt de woningcorporatie.",
    )

    assert response.status_code == 302
    # Back at the box with the outcome, not at the top of the page.
    assert response.url == url("initiativeapplication", "change", application.pk) + "#review"
    assert "application_decided" in tags(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PARTLY_GRANTED
    assert application.amount_granted == Decimal("1250.50")
    assert application.decided_by == budget_manager_user
    reviews = {review.criterion: review for review in application.reviews.all()}
    assert set(reviews) == set(Criterion.values)
    assert all(review.met for review in reviews.values())
    assert reviews[Criterion.FITS_CONTRACT].note == "Past bij de wens."
    assert reviews[Criterion.OWN_INITIATIVE].reviewed_by == budget_manager_user
    assert Allocation.objects.get().amount == Decimal("1250.50")
    [letter] = Email.objects.all()
    assert letter.to == [application.contact_email]


def test_a_submitted_application_is_taken_into_review_by_the_decision(budget_manager, fund):
    application = application_of(fund, status=ApplicationStatus.SUBMITTED)
    page = budget_manager.get(url("initiativeapplication", "change", application.pk))
    assert 'class="review-form"' in page.content.decode()

    decide(budget_manager, application, decision="granted")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.reviews.count() == 3


def test_the_review_is_saved_without_a_decision(budget_manager, budget_manager_user, fund):
    application = application_of(fund, status=ApplicationStatus.SUBMITTED)

    response = decide(
        budget_manager,
        application,
        met=(True, False, None),
        notes=("", "Er is een potje van de corporatie."),
        action="save_review",
    )

    assert "review_saved" in tags(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    reviews = {review.criterion: review for review in application.reviews.all()}
    assert set(reviews) == {Criterion.FITS_CONTRACT, Criterion.NO_OTHER_BUDGET}
    assert reviews[Criterion.NO_OTHER_BUDGET].met is False
    assert reviews[Criterion.NO_OTHER_BUDGET].note == "Er is een potje van de corporatie."
    assert Allocation.objects.count() == 0
    # The next visit starts from what was saved.
    page = budget_manager.get(url("initiativeapplication", "change", application.pk))
    assert page.context["review"]["form"].initial[f"{Criterion.NO_OTHER_BUDGET}_met"] == "no"


@pytest.mark.parametrize(
    ("met", "missing"),
    [
        ((None, None, None), list(Criterion)),
        ((True, None, False), [Criterion.NO_OTHER_BUDGET]),
    ],
)
def test_a_decision_before_every_criterion_is_assessed_is_refused(
    budget_manager, fund, met, missing
):
    application = application_of(fund)

    response = decide(budget_manager, application, met=met, decision="refused", reason="Nee")

    assert response.status_code == 200
    assert form_codes(response) == {"__all__": ["criteria_not_reviewed"]}
    [error] = response.context["review"]["form"].non_field_errors()
    for criterion in Criterion:
        assert (str(criterion.label) in error) == (criterion in missing)
    # Nothing saved: not the decision, not even the criteria that were assessed.
    assert_unchanged(application)


def test_an_error_keeps_everything_typed_and_shows_it_at_the_form(budget_manager, fund):
    application = application_of(fund)

    response = decide(
        budget_manager,
        application,
        met=(True, False, True),
        notes=("Past bij wens 3.", "Corporatie betaalt mee?", "Eigen verf."),
        decision="partly_granted",
        amount="vijfhonderd",
        reason="Alleen het hout.",
    )

    assert response.status_code == 200
    assert form_codes(response) == {"amount": ["amount_invalid"]}
    html = response.content.decode()
    for typed in ("Past bij wens 3.", "Corporatie betaalt mee?", "Eigen verf.", "Alleen het hout."):
        assert typed in html
    assert 'value="vijfhonderd"' in html
    form = response.context["review"]["form"]
    assert form[f"{Criterion.NO_OTHER_BUDGET}_met"].value() == "no"
    assert form["decision"].value() == "partly_granted"
    # The summary of the errors, which the page opens at and focuses.
    assert "data-error-summary" in html
    assert (
        f'action="{url("initiativeapplication", "decide", application.pk)}#review-errors"' in html
    )
    assert_unchanged(application)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1500.00", Decimal("1500.00")),
        ("1.500,00", Decimal("1500.00")),
        ("500,00", Decimal("500.00")),
        ("€ 1.250,50", Decimal("1250.50")),
        ("€ 750,-", Decimal("750.00")),
        ("EUR 500", Decimal("500.00")),
        ("500", Decimal("500.00")),
    ],
)
def test_a_partial_grant_books_the_lower_amount(budget_manager, fund, typed, expected):
    application = application_of(fund)

    decide(
        budget_manager,
        application,
        decision="partly_granted",
        amount=typed,
        reason="De verf betaalt de woningcorporatie.",
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.PARTLY_GRANTED
    assert application.amount_granted == expected
    assert Allocation.objects.get().amount == expected


def test_a_partial_grant_without_a_reason_or_lower_amount_is_refused(budget_manager, fund):
    application = application_of(fund)

    response = decide(budget_manager, application, decision="partly_granted", amount="2500")

    assert form_codes(response) == {
        "amount": ["partial_not_lower"],
        "reason": ["reason_missing"],
    }
    assert_unchanged(application)


def test_a_grant_while_a_criterion_is_not_met_needs_a_reason(budget_manager, fund):
    application = application_of(fund)

    refused = decide(budget_manager, application, met=(True, True, False), decision="granted")

    assert form_codes(refused) == {"reason": ["reason_for_unmet_criterion"]}
    assert_unchanged(application)
    decide(
        budget_manager,
        application,
        met=(True, True, False),
        decision="granted",
        reason="Klein bedrag; de buurt doet volgend jaar zelf meer.",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED


def test_the_form_asks_for_what_it_misses(budget_manager, fund):
    application = application_of(fund)

    no_decision = decide(budget_manager, application)
    note_without_judgement = decide(
        budget_manager,
        application,
        met=(True, None, True),
        notes=("", "Nog navragen."),
        decision="granted",
    )
    nothing_to_save = decide(budget_manager, application, met=(None,) * 3, action="save_review")

    assert form_codes(no_decision) == {"decision": ["not_a_decision"]}
    assert form_codes(note_without_judgement) == {
        f"{Criterion.NO_OTHER_BUDGET}_met": ["met_missing"]
    }
    assert form_codes(nothing_to_save) == {"__all__": ["nothing_reviewed"]}
    assert_unchanged(application)


def test_a_refusal_with_a_reason(budget_manager, fund):
    application = application_of(fund)

    decide(
        budget_manager,
        application,
        met=(True, False, False),
        decision="refused",
        reason="Er is een ander budget.",
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.decision_reason == "Er is een ander budget."
    assert Allocation.objects.count() == 0


def test_a_refusal_without_a_reason_is_refused(budget_manager, fund):
    application = application_of(fund)

    response = decide(budget_manager, application, decision="refused", reason="  ")

    assert form_codes(response) == {"reason": ["reason_missing"]}
    assert_unchanged(application)


def test_the_application_page_shows_whether_the_letter_reached_the_applicant(
    budget_manager, fund, deliver_mail
):
    application = application_of(fund)
    decide(budget_manager, application, decision="refused", reason="Er is een ander budget.")
    page = url("initiativeapplication", "change", application.pk)

    queued = budget_manager.get(page)
    deliver_mail()
    delivered = budget_manager.get(page)

    assert queued.status_code == delivered.status_code == 200
    assert f"{mail.STATE_LABELS[mail.QUEUED]}" in queued.content.decode()
    html = delivered.content.decode()
    assert application.reference in html
    assert f"{mail.STATE_LABELS[mail.SENT]}" in html
    # Only this applicant's mail, never the outbox itself.
    assert budget_manager.get(reverse("admin:post_office_email_changelist")).status_code == 403


def test_a_second_decision_is_refused(budget_manager, fund):
    application = application_of(fund)
    decide(budget_manager, application, decision="granted")

    response = decide(budget_manager, application, decision="refused", reason="Toch niet")

    assert error_tags(response) == [{"already_decided"}]
    assert response.url.endswith("#review")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert Allocation.objects.count() == 1


def test_a_grant_over_the_fund_is_refused_and_nothing_booked(budget_manager, fund):
    allocation_of(fund, "249000.00", kind=CategoryKind.INITIATIVES)
    application = application_of(fund)

    response = decide(budget_manager, application, decision="granted")

    assert form_codes(response) == {"amount": ["fund_exceeded"]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert not application.reviews.exists()
    assert Allocation.objects.count() == 1


def test_after_the_decision_the_page_is_read_only_and_shows_it(budget_manager, fund):
    application = application_of(fund)
    decide(budget_manager, application, decision="granted")
    application.refresh_from_db()

    response = budget_manager.get(url("initiativeapplication", "change", application.pk))

    content = response.content.decode()
    assert 'class="review-form"' not in content
    assert url("initiativeapplication", "withdraw", application.pk) not in content
    assert url("initiativeapplication", "letter", application.pk) in content
    assert url("allocation", "change", application.allocation_id) in content
    assert "budgetbeheerder" in content
    history = budget_manager.get(url("initiativeapplication", "history", application.pk))
    assert history.status_code == 200


# --- Applications: the decision letter --------------------------------------------------------


def test_the_decision_letter_opens_as_pdf_with_the_objection_clause(
    budget_manager, fund, settings, tmp_path, poppler
):
    settings.DECISION_CONTACT_NAME = "Mw. P. Wijkregisseur"
    settings.DECISION_CONTACT_PHONE = "023 511 5115"
    settings.DECISION_CONTACT_EMAIL = "regie@haarlem.example"
    application = application_of(fund)
    decide(budget_manager, application, decision="refused", reason="Er is een ander budget.")

    response = budget_manager.get(url("initiativeapplication", "letter", application.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert application.reference in response["Content-Disposition"]
    path = tmp_path / "letter.pdf"
    path.write_bytes(response.content)
    text = " ".join(pdf_reading.pdf_text(path).split())
    for expected in (
        "bezwaar",
        "zes weken",
        "Algemene wet bestuursrecht",
        "college van burgemeester en wethouders van Haarlem",
        "Mw. P. Wijkregisseur",
        "023 511 5115",
        "regie@haarlem.example",
        "Er is een ander budget.",
        application.reference,
    ):
        assert expected in text


def test_only_decided_applications_have_a_letter(budget_manager, fund):
    application = application_of(fund)
    response = budget_manager.get(url("initiativeapplication", "letter", application.pk))
    assert response.status_code == 404


def test_the_letter_is_for_budget_managers_only(client, fund, editor_user):
    from tests.factories import ProjectFactory, team_member

    application = application_of(fund, status=ApplicationStatus.REFUSED, decision_reason="Nee")
    letter = url("initiativeapplication", "letter", application.pk)
    login = reverse("admin:login")

    anonymous = client.get(letter)
    client.force_login(team_member(ProjectFactory()))
    member = client.get(letter)
    client.force_login(editor_user)
    editor = client.get(letter)

    assert anonymous.status_code == member.status_code == 302
    assert anonymous.url.startswith(login) and member.url.startswith(login)
    assert editor.status_code == 403


def test_withdrawal_on_request(budget_manager, fund):
    application = application_of(fund, status=ApplicationStatus.SUBMITTED)

    response = budget_manager.post(
        url("initiativeapplication", "withdraw", application.pk),
        {"reason": "Aanvrager trekt in per e-mail"},
    )

    assert "application_withdrawn" in tags(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    again = budget_manager.post(url("initiativeapplication", "withdraw", application.pk), {})
    assert error_tags(again) == [{"transition_not_allowed"}]


def test_applications_cannot_be_added_changed_or_deleted_here(budget_manager, fund):
    application = application_of(fund)
    assert budget_manager.get(url("initiativeapplication", "add")).status_code == 403
    response = budget_manager.post(
        url("initiativeapplication", "change", application.pk), {"title": "Anders"}
    )
    assert response.status_code == 403
    delete = budget_manager.post(url("initiativeapplication", "delete", application.pk))
    assert delete.status_code == 403


# --- Queries ----------------------------------------------------------------------------------


def _add_rows(fund, count):
    for _index in range(count):
        allocation = allocation_of(fund, "100.00", kind=CategoryKind.INITIATIVES)
        payment = services.record_payment(allocation, amount="10", paid_on=DAY)
        assert payment.pk
        application = application_of(fund, neighbourhood=NeighbourhoodFactory())
        services.review_criterion(application, Criterion.FITS_CONTRACT, met=True, user=None)


@pytest.mark.parametrize("model", PAGES)
def test_changelists_need_the_same_queries_for_more_rows(budget_manager, fund, model):
    _add_rows(fund, 2)
    few = count_queries(budget_manager, url(model))
    _add_rows(fund, 6)

    assert count_queries(budget_manager, url(model)) == few


# --- Funds, for superusers --------------------------------------------------------------------


def fund_form(fund, total="250000.00", ceiling="50000.00"):
    organisation, initiatives = (
        category(fund, CategoryKind.ORGANISATION),
        category(fund, CategoryKind.INITIATIVES),
    )
    return {
        "name": fund.name,
        "total": total,
        "decision_reference": fund.decision_reference,
        "decision_date": "2006-12-12",
        "period_start": "2007-10-02",
        "period_end": "2009-10-02",
        "categories-TOTAL_FORMS": "2",
        "categories-INITIAL_FORMS": "2",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
        "categories-0-id": organisation.pk,
        "categories-0-fund": fund.pk,
        "categories-0-kind": organisation.kind,
        "categories-0-ceiling": ceiling,
        "categories-1-id": initiatives.pk,
        "categories-1-fund": fund.pk,
        "categories-1-kind": initiatives.kind,
        "categories-1-ceiling": "",
        # The indicative reserves per wijk: none here.
        "reserves-TOTAL_FORMS": "0",
        "reserves-INITIAL_FORMS": "0",
        "reserves-MIN_NUM_FORMS": "0",
        "reserves-MAX_NUM_FORMS": "1000",
    }


def test_a_superuser_edits_the_fund_and_its_ceilings(client, superuser, fund):
    client.force_login(superuser)

    response = client.post(
        url("fund", "change", fund.pk), fund_form(fund, total="260000", ceiling="60000")
    )

    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.total == Decimal("260000.00")
    assert category(fund, CategoryKind.ORGANISATION).ceiling == Decimal("60000.00")


def test_a_total_or_ceiling_below_what_is_committed_is_refused(client, superuser, fund):
    allocation_of(fund, "30000.00")
    client.force_login(superuser)

    response = client.post(
        url("fund", "change", fund.pk), fund_form(fund, total="20000", ceiling="20000")
    )

    assert response.status_code == 200
    form_errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in form_errors["total"]] == ["total_below_committed"]
    assert form_errors["total"][0].params == {"committed": "€ 30.000,00"}
    inline = response.context["inline_admin_formsets"][0].formset
    assert [e.code for e in inline.forms[0].errors.as_data()["ceiling"]] == [
        "ceiling_below_committed"
    ]
    assert inline.forms[0].errors.as_data()["ceiling"][0].params == {"committed": "€ 30.000,00"}
    fund.refresh_from_db()
    assert fund.total == Decimal("250000.00")
