"""E-mail of the fund: confirmation, the budget managers' notice, the decision letter (PDF).

Each mail is queued in the outbox with the change that causes it; `deliver_mail` runs the
queue as `manage.py send_queued_mail` does and returns what was delivered.
"""

import pytest
from django.core import mail
from django.db import transaction
from post_office.models import STATUS, Email

from budget import services
from budget.choices import ApplicationStatus, Criterion
from tests import pdf_reading
from tests.factories import UserFactory
from wijkaanpak.common.groups import BUDGET_MANAGERS, ensure_groups


@pytest.fixture
def managers(db):
    group = ensure_groups()[BUDGET_MANAGERS]
    active = UserFactory(username="budgetbeheerder", email="beheer@example.org")
    no_mail = UserFactory(username="zonder-mail", email="")
    inactive = UserFactory(username="oud", email="oud@example.org", is_active=False)
    for user in (active, no_mail, inactive):
        user.groups.add(group)
    UserFactory(username="buitenstaander", email="buiten@example.org")
    return active


def submit(fund, wish, **overrides):
    fields = {
        "neighbourhood": wish.contract.neighbourhood,
        "title": "Buurtfeest",
        "description": "Een feest.",
        "wish": wish,
        "own_contribution": "Zelf georganiseerd.",
        "no_other_budget": True,
        "amount_requested": "1250.50",
        "cost_breakdown": "Tent en eten",
        "contact_name": "Anna de Vries",
        "contact_email": "anna@example.org",
        "contact_phone": "023-1234567",
    }
    fields.update(overrides)
    return services.submit_application(fund, **fields)


def test_submitting_mails_the_applicant_and_each_active_manager(fund, wish, managers, deliver_mail):
    application = submit(fund, wish)
    assert Email.objects.filter(status=STATUS.queued).count() == 2  # queued, not yet sent
    assert mail.outbox == []
    recipients = sorted(tuple(message.to) for message in deliver_mail())
    assert recipients == [("anna@example.org",), ("beheer@example.org",)]
    to_applicant = next(m for m in mail.outbox if m.to == ["anna@example.org"])
    assert application.reference in to_applicant.subject
    assert application.reference in to_applicant.body
    to_manager = next(m for m in mail.outbox if m.to == ["beheer@example.org"])
    assert application.reference in to_manager.body
    assert "http://" in to_manager.body or "https://" in to_manager.body
    # The managers' mail carries no personal data: they read it in the admin.
    for personal in ("Anna de Vries", "anna@example.org", "023-1234567"):
        assert personal not in to_manager.body
        assert personal not in to_manager.subject


def test_hostile_text_in_a_subject_stays_on_one_line(fund, wish, managers, deliver_mail):
    submit(fund, wish, title="Feest\nBcc: x@example.org")
    outbox = deliver_mail()
    assert outbox
    assert all("\n" not in message.subject for message in outbox)


def test_template_syntax_a_resident_typed_is_sent_as_text(fund, wish, managers, deliver_mail):
    title = "Feest {{ application.contact_phone }} {% now 'Y' %} & <b>"
    submit(fund, wish, title=title)
    to_applicant = next(m for m in deliver_mail() if m.to == ["anna@example.org"])
    assert title in to_applicant.body


def test_nothing_is_queued_when_the_transaction_rolls_back(fund, wish, managers, deliver_mail):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(fund, wish)
        raise RuntimeError("something later in the same transaction failed")
    assert not Email.objects.exists()
    assert deliver_mail() == []


def pdf_text(pdf_bytes, tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf_bytes)
    # -raw keeps each table cell's text together (the layout mode interleaves wrapped cells).
    return pdf_reading.pdf_text(path, options=["-raw"])


def decided(fund, wish, decision, deliver_mail, user, **kwargs):
    application = submit(fund, wish)
    services.start_review(application, user=user)
    services.review_criterion(
        application, Criterion.FITS_CONTRACT, met=True, note="Past bij de wens.", user=user
    )
    services.review_criterion(application, Criterion.NO_OTHER_BUDGET, met=True, user=user)
    services.review_criterion(
        application, Criterion.OWN_INITIATIVE, met=True, note="Eigen inzet.", user=user
    )
    deliver_mail().clear()
    return services.decide(application, decision, user=user, **kwargs)


@pytest.mark.parametrize(
    ("decision", "kwargs", "expected"),
    [
        (ApplicationStatus.GRANTED, {}, "1.250,50"),
        (ApplicationStatus.PARTLY_GRANTED, {"amount": "800", "reason": "Tent te duur."}, "800,00"),
        (ApplicationStatus.REFUSED, {"reason": "Past niet in het contract."}, "contract"),
    ],
)
def test_the_decision_letter_is_attached_as_pdf(
    fund, wish, managers, deliver_mail, tmp_path, poppler, decision, kwargs, expected
):
    application = decided(fund, wish, decision, deliver_mail, managers, **kwargs)
    [queued] = Email.objects.filter(status=STATUS.queued)
    [attachment] = queued.attachments.all()
    outbox = deliver_mail()
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["anna@example.org"]
    assert application.reference in message.subject
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    assert filename.endswith(".pdf")
    assert content.startswith(b"%PDF")
    assert content == attachment.file.open("rb").read()  # the letter as queued, byte for byte
    # Lines wrap wherever the layout puts them: compare with white space folded.
    text = " ".join(pdf_text(content, tmp_path).split())
    assert application.reference in text
    assert expected in text
    assert fund.decision_reference in text
    assert "Past bij de wens." in text
    if "reason" in kwargs:
        assert kwargs["reason"] in text


def test_the_decision_letter_holds_no_other_applicants_data(
    fund, wish, managers, deliver_mail, tmp_path, poppler
):
    submit(
        fund,
        wish,
        title="Andermans plan",
        contact_name="Bert Buurman",
        contact_email="bert@example.org",
        contact_phone="06-99999999",
    )
    application = decided(fund, wish, ApplicationStatus.GRANTED, deliver_mail, managers)
    [message] = deliver_mail()
    text = pdf_text(message.attachments[0][1], tmp_path)
    assert "Anna de Vries" in text
    for other in ("Bert Buurman", "bert@example.org", "06-99999999", "Andermans plan"):
        assert other not in text
        assert other not in message.body
    assert application.reference in text


def test_hostile_markup_prints_as_text_in_the_letter(
    fund, wish, managers, deliver_mail, tmp_path, poppler
):
    application = submit(fund, wish, title='<img src="http://evil.example/x">')
    services.start_review(application, user=managers)
    for criterion in Criterion:
        services.review_criterion(application, criterion, met=False, user=managers)
    deliver_mail().clear()
    services.decide(application, ApplicationStatus.REFUSED, user=managers, reason="<b>Nee</b>")
    text = pdf_text(deliver_mail()[0].attachments[0][1], tmp_path)
    assert "<b>Nee</b>" in text
    assert "evil.example" in text
