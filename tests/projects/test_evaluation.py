"""The final evaluation (eindevaluatie): its services, the step to "completed" that needs it,
the admin that writes and closes it, the team portal's wording and the public page and PDF."""

import datetime

import pytest
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contracts import services as contract_services
from contracts.choices import ContractStatus
from contracts.models import ContractStatusChange
from projects import selectors, services
from projects.choices import ProjectStatus, RoundKind
from projects.models import ContractEvaluation, ReportingRound, WishVerdictRecord
from tests.admin_pages import error_tags, levels, management, messages_of
from tests.factories import (
    ProjectFactory,
    ResidentWishFactory,
    complete_contract,
    complete_final_evaluation,
    contract_in_status,
    final_report,
    move_to,
    open_final_evaluation,
    progress_update,
    team_member,
)

pytestmark = pytest.mark.django_db


def codes(excinfo):
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


@pytest.fixture
def editor_account(editor_user):
    return editor_user


@pytest.fixture
def evaluated(editor_account):
    """A signed contract with two projects (one cancelled), two wishes and an open final
    evaluation; the first project's team member."""
    contract = complete_contract()
    project = ProjectFactory(contract=contract, title="Speeltuin")
    other = ProjectFactory(contract=contract, title="Buurtkrant")
    move_to(contract, ContractStatus.SIGNED)
    member = team_member(project)
    progress_update(other, editor_account, "Gestopt.", status=ProjectStatus.CANCELLED)
    project.refresh_from_db()
    other.refresh_from_db()
    evaluation = open_final_evaluation(contract)
    return {
        "contract": contract,
        "project": project,
        "cancelled": other,
        "member": member,
        "editor": editor_account,
        "evaluation": evaluation,
        "wishes": list(contract.wishes.order_by("order", "pk")),
    }


def completed_evaluation(evaluated, **report_fields):
    """Report, judge and decide everything of the fixture's evaluation (not closed yet)."""
    evaluation = evaluated["evaluation"]
    final_report(evaluation, evaluated["project"], evaluated["member"], **report_fields)
    complete_final_evaluation(evaluation, evaluated["editor"])
    return evaluation


# --- Opening the final round ------------------------------------------------------------------


def test_opening_a_final_round_makes_the_round_and_the_evaluation(evaluated, mailoutbox):
    evaluation = evaluated["evaluation"]

    assert evaluation.round.kind == RoundKind.FINAL
    assert evaluation.round.is_final
    assert list(evaluation.round.contracts.all()) == [evaluated["contract"]]
    assert evaluation.contract == evaluated["contract"]
    assert not evaluation.is_closed
    assert evaluation.round.due_date >= evaluated["contract"].period_end
    # The cancelled project is not asked to report; the other one is.
    assert list(evaluation.round.requested_projects()) == [evaluated["project"]]


@pytest.mark.parametrize(
    "status", [ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING, ContractStatus.COMPLETED]
)
def test_only_a_signed_contract_gets_a_final_round(status):
    contract = contract_in_status(status)
    before = (ReportingRound.objects.count(), ContractEvaluation.objects.count())

    with pytest.raises(ValidationError) as excinfo:
        services.open_final_round(
            contract, title="Eindevaluatie", due_date=timezone.localdate(), user=None
        )

    assert codes(excinfo) == {"contract_not_signed"}
    assert (ReportingRound.objects.count(), ContractEvaluation.objects.count()) == before


def test_a_contract_gets_one_final_round(evaluated):
    with pytest.raises(ValidationError) as excinfo:
        open_final_evaluation(evaluated["contract"])

    assert codes(excinfo) == {"final_round_exists"}
    assert ReportingRound.objects.filter(kind=RoundKind.FINAL).count() == 1


def test_the_due_date_lies_not_before_the_end_of_the_period():
    signed = contract_in_status(ContractStatus.SIGNED)
    end = timezone.localdate() + datetime.timedelta(days=30)
    # A contract still running (its frozen period moved past the model's checks).
    type(signed).objects.filter(pk=signed.pk).update(period_end=end)
    signed.refresh_from_db()

    with pytest.raises(ValidationError) as excinfo:
        services.open_final_round(
            signed, title="Eindevaluatie", due_date=timezone.localdate(), user=None
        )

    assert codes(excinfo) == {"due_date_before_period_end"}
    assert not ReportingRound.objects.exists()
    # On the last day of the period it may be due.
    evaluation = services.open_final_round(signed, title="Eindevaluatie", due_date=end, user=None)
    assert evaluation.round.due_date == end


def test_a_due_date_in_the_past_and_a_missing_title_are_refused():
    contract = contract_in_status(ContractStatus.SIGNED)

    with pytest.raises(ValidationError) as excinfo:
        services.open_final_round(
            contract,
            title=" ",
            due_date=timezone.localdate() - datetime.timedelta(days=1),
            user=None,
        )

    assert codes(excinfo) == {"title_missing", "due_date_in_past"}
    assert not ContractEvaluation.objects.exists()


# --- Verdicts and the decision ----------------------------------------------------------------


def test_a_verdict_is_recorded_and_changed(evaluated):
    evaluation, wish = evaluated["evaluation"], evaluated["wishes"][0]

    services.record_verdict(evaluation, wish, verdict="fulfilled", explanation="Gelukt.")
    services.record_verdict(
        evaluation, wish, verdict="partly_fulfilled", explanation="Half gelukt."
    )

    record = WishVerdictRecord.objects.get(evaluation=evaluation, wish=wish)
    assert (record.verdict, record.explanation) == ("partly_fulfilled", "Half gelukt.")


def test_a_verdict_on_a_wish_of_another_contract_is_refused(evaluated):
    other_wish = ResidentWishFactory(contract=complete_contract())

    with pytest.raises(ValidationError) as excinfo:
        services.record_verdict(
            evaluated["evaluation"], other_wish, verdict="fulfilled", explanation="Gelukt."
        )

    assert codes(excinfo) == {"wish_of_other_contract"}
    assert excinfo.value.message_dict["wish"]
    assert not WishVerdictRecord.objects.exists()
    # The model refuses it too, for any other way in.
    record = WishVerdictRecord(
        evaluation=evaluated["evaluation"], wish=other_wish, verdict="fulfilled", explanation="x"
    )
    with pytest.raises(ValidationError) as model_error:
        record.full_clean()
    assert "wish" in model_error.value.error_dict


@pytest.mark.parametrize(
    ("verdict", "explanation", "code"),
    [("amazing", "Gelukt.", "invalid_verdict"), ("fulfilled", "  ", "explanation_missing")],
)
def test_a_verdict_needs_a_known_kind_and_an_explanation(evaluated, verdict, explanation, code):
    with pytest.raises(ValidationError) as excinfo:
        services.record_verdict(
            evaluated["evaluation"],
            evaluated["wishes"][0],
            verdict=verdict,
            explanation=explanation,
        )

    assert codes(excinfo) == {code}
    assert not WishVerdictRecord.objects.exists()


def test_the_decision_on_the_future_needs_a_known_choice_and_an_explanation(evaluated):
    evaluation = evaluated["evaluation"]

    with pytest.raises(ValidationError) as excinfo:
        services.set_future(evaluation, future="maybe", explanation="")
    assert codes(excinfo) == {"invalid_future", "future_explanation_missing"}

    services.set_future(
        evaluation, future="stop", explanation="Het doel is bereikt.", summary="Klaar."
    )
    evaluation.refresh_from_db()
    assert (evaluation.future, evaluation.future_explanation, evaluation.summary) == (
        "stop",
        "Het doel is bereikt.",
        "Klaar.",
    )


# --- Closing ----------------------------------------------------------------------------------


def test_closing_needs_every_report_every_verdict_and_the_decision(evaluated):
    evaluation = evaluated["evaluation"]

    with pytest.raises(ValidationError) as excinfo:
        services.close_evaluation(evaluation, user=evaluated["editor"])

    assert codes(excinfo) == {"reports_missing", "verdicts_missing", "future_missing"}
    text = " ".join(excinfo.value.messages)
    assert evaluated["project"].title in text
    for wish in evaluated["wishes"]:
        assert wish.title in text
    evaluation.refresh_from_db()
    assert evaluation.closed_at is None
    assert evaluation.snapshot == {}


def test_closing_refuses_while_one_thing_is_missing(evaluated):
    evaluation = evaluated["evaluation"]
    final_report(evaluation, evaluated["project"], evaluated["member"])
    for wish in evaluated["wishes"][:-1]:
        services.record_verdict(evaluation, wish, verdict="fulfilled", explanation="Ja.")
    services.set_future(evaluation, future="continue", explanation="Door.")

    with pytest.raises(ValidationError) as excinfo:
        services.close_evaluation(evaluation, user=evaluated["editor"])

    assert codes(excinfo) == {"verdicts_missing"}
    assert evaluated["wishes"][-1].title in " ".join(excinfo.value.messages)
    assert not ContractEvaluation.objects.get(pk=evaluation.pk).is_closed


def test_closing_freezes_the_snapshot(evaluated):
    evaluation = completed_evaluation(evaluated, status="done", percent_complete=100)
    services.record_verdict(
        evaluation, evaluated["wishes"][1], verdict="not_fulfilled", explanation="Niet gelukt."
    )

    closed = services.close_evaluation(evaluation, user=evaluated["editor"])

    snapshot = ContractEvaluation.objects.get(pk=evaluation.pk).snapshot
    assert closed.closed_by == evaluated["editor"]
    assert snapshot["date"] == timezone.localdate().isoformat()
    assert snapshot["projects"] == [
        {
            "number": evaluated["project"].number,
            "title": "Speeltuin",
            "status": "done",
            "percent_complete": 100,
        },
        {
            "number": evaluated["cancelled"].number,
            "title": "Buurtkrant",
            "status": "cancelled",
            "percent_complete": 0,
        },
    ]
    assert snapshot["status_counts"]["done"] == 1
    assert snapshot["status_counts"]["cancelled"] == 1
    assert snapshot["average_percent"] == 100  # the cancelled project does not count
    assert snapshot["verdict_counts"] == {
        "fulfilled": 1,
        "partly_fulfilled": 0,
        "not_fulfilled": 1,
    }


def test_a_closed_evaluation_no_longer_changes(evaluated):
    evaluation = completed_evaluation(evaluated)
    services.close_evaluation(evaluation, user=evaluated["editor"])
    wish = evaluated["wishes"][0]

    attempts = [
        lambda: services.record_verdict(evaluation, wish, verdict="not_fulfilled", explanation="x"),
        lambda: services.set_future(evaluation, future="stop", explanation="Toch niet."),
        lambda: services.set_summary(evaluation, summary="Anders."),
        lambda: services.close_evaluation(evaluation, user=evaluated["editor"]),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert codes(excinfo) == {"evaluation_closed"}

    evaluation.refresh_from_db()
    assert evaluation.future == "continue"
    assert WishVerdictRecord.objects.get(wish=wish).verdict == "fulfilled"


# --- Completing the contract ------------------------------------------------------------------


def test_completing_needs_a_final_evaluation():
    contract = contract_in_status(ContractStatus.SIGNED)

    with pytest.raises(ValidationError) as excinfo:
        contract_services.change_status(contract, ContractStatus.COMPLETED)

    assert codes(excinfo) == {"final_evaluation_missing"}
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED


def test_completing_a_contract_whose_final_round_is_open_is_refused(evaluated):
    contract = evaluated["contract"]
    changes = ContractStatusChange.objects.filter(contract=contract).count()

    with pytest.raises(ValidationError) as excinfo:
        contract_services.change_status(contract, ContractStatus.COMPLETED)

    assert codes(excinfo) == {"final_evaluation_open"}
    assert excinfo.value.messages == [
        gettext(
            "The final round of this contract is still open: close its final evaluation "
            "before completing the contract."
        )
    ]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert ContractStatusChange.objects.filter(contract=contract).count() == changes


def test_a_contract_is_completed_once_its_evaluation_is_closed(evaluated):
    services.close_evaluation(completed_evaluation(evaluated), user=evaluated["editor"])

    contract_services.change_status(evaluated["contract"], ContractStatus.COMPLETED)

    evaluated["contract"].refresh_from_db()
    assert evaluated["contract"].status == ContractStatus.COMPLETED


def test_the_admin_action_refuses_to_complete_a_contract_with_an_open_final_round(
    client, evaluated
):
    client.force_login(evaluated["editor"])
    contract = evaluated["contract"]

    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "mark_completed", "_selected_action": [contract.pk]},
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert levels(response) == [messages.ERROR]
    assert "final_evaluation_open" in error_tags(response)[0]


def test_the_step_button_refuses_to_complete_a_contract_with_an_open_final_round(client, evaluated):
    client.force_login(evaluated["editor"])
    contract = evaluated["contract"]

    response = client.post(
        reverse("admin:contracts_contract_change_status", args=[contract.pk]),
        {"to_status": "completed"},
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert "final_evaluation_open" in error_tags(response)[0]


# --- The admin --------------------------------------------------------------------------------


def evaluation_url(evaluation, view="change"):
    return reverse(f"admin:projects_contractevaluation_{view}", args=[evaluation.pk])


def evaluation_post(evaluation, verdicts, **fields):
    data = {
        "summary": fields.get("summary", ""),
        "future": fields.get("future", ""),
        "future_explanation": fields.get("future_explanation", ""),
        **management("verdicts", len(verdicts)),
        "_continue": "1",
    }
    for index, (wish, verdict, explanation) in enumerate(verdicts):
        data.update(
            {
                f"verdicts-{index}-wish": str(wish.pk),
                f"verdicts-{index}-verdict": verdict,
                f"verdicts-{index}-explanation": explanation,
                f"verdicts-{index}-evaluation": str(evaluation.pk),
            }
        )
    return data


def test_the_admin_offers_only_the_evaluated_contracts_wishes(client, evaluated):
    client.force_login(evaluated["editor"])
    other_wish = ResidentWishFactory(contract=complete_contract(), title="Vreemde wens")

    response = client.get(evaluation_url(evaluated["evaluation"]))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    offered = set(formset.forms[0].fields["wish"].queryset)
    assert offered == set(evaluated["wishes"])
    assert other_wish not in offered


def test_the_admin_writes_verdicts_and_the_decision_through_the_services(client, evaluated):
    client.force_login(evaluated["editor"])
    evaluation = evaluated["evaluation"]
    first, second = evaluated["wishes"]

    response = client.post(
        evaluation_url(evaluation),
        evaluation_post(
            evaluation,
            [(first, "fulfilled", "Gelukt."), (second, "not_fulfilled", "Niet gelukt.")],
            summary="Samenvatting.",
            future="continue_changed",
            future_explanation="Door, anders.",
        ),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    evaluation.refresh_from_db()
    assert (evaluation.future, evaluation.summary) == ("continue_changed", "Samenvatting.")
    assert dict(evaluation.verdicts.values_list("wish", "verdict")) == {
        first.pk: "fulfilled",
        second.pk: "not_fulfilled",
    }


def test_the_admin_refuses_a_wish_of_another_contract(client, evaluated):
    client.force_login(evaluated["editor"])
    evaluation = evaluated["evaluation"]
    other_wish = ResidentWishFactory(contract=complete_contract())

    response = client.post(
        evaluation_url(evaluation),
        evaluation_post(evaluation, [(other_wish, "fulfilled", "Gelukt.")]),
    )

    assert response.status_code == 200  # the form again, with the error
    assert not WishVerdictRecord.objects.exists()


def test_the_admin_decision_needs_an_explanation(client, evaluated):
    client.force_login(evaluated["editor"])
    evaluation = evaluated["evaluation"]

    response = client.post(
        evaluation_url(evaluation), evaluation_post(evaluation, [], future="stop")
    )

    assert response.status_code == 200
    assert "future_explanation" in response.context["adminform"].form.errors
    evaluation.refresh_from_db()
    assert evaluation.future == ""


def test_the_close_button_reports_what_is_missing_and_closes_when_complete(client, evaluated):
    client.force_login(evaluated["editor"])
    evaluation = evaluated["evaluation"]

    page = client.get(evaluation_url(evaluation))
    assert page.context["close_url"] == evaluation_url(evaluation, "close")
    assert {p.code for p in page.context["close_problems"]} == {
        "reports_missing",
        "verdicts_missing",
        "future_missing",
    }
    refused = client.post(evaluation_url(evaluation, "close"))
    assert levels(refused) == [messages.ERROR]
    assert "reports_missing" in error_tags(refused)[0]
    assert not ContractEvaluation.objects.get(pk=evaluation.pk).is_closed

    completed_evaluation(evaluated)
    closed = client.post(evaluation_url(evaluation, "close"))

    assert closed.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.is_closed
    assert evaluation.closed_by == evaluated["editor"]
    assert [tags for _level, tags, _text in messages_of(closed)][-1] == {"evaluation_closed"}
    # Closed: read-only, and no button any more.
    page = client.get(evaluation_url(evaluation))
    assert page.context["close_url"] is None
    assert not page.context["has_change_permission"]
    assert client.get(evaluation_url(evaluation, "close")).status_code == 405


def test_who_may_not_change_evaluations_cannot_close_one(client, evaluated, budget_manager_user):
    client.force_login(budget_manager_user)

    response = client.post(evaluation_url(evaluated["evaluation"], "close"))

    assert response.status_code == 403
    assert not ContractEvaluation.objects.get(pk=evaluated["evaluation"].pk).is_closed


def test_the_round_admin_opens_a_final_round_for_one_contract(client, editor_account):
    client.force_login(editor_account)
    contract = contract_in_status(ContractStatus.SIGNED)
    other = contract_in_status(ContractStatus.SIGNED)
    data = {
        "title": "Eindevaluatie",
        "kind": "final",
        "introduction": "",
        "due_date": timezone.localdate().isoformat(),
    }

    two = client.post(
        reverse("admin:projects_reportinground_add"), {**data, "contracts": [contract.pk, other.pk]}
    )
    assert two.status_code == 200
    assert "contracts" in two.context["adminform"].form.errors
    assert not ReportingRound.objects.exists()

    one = client.post(
        reverse("admin:projects_reportinground_add"), {**data, "contracts": [contract.pk]}
    )

    evaluation = ContractEvaluation.objects.get(contract=contract)
    assert one.status_code == 302
    assert one["Location"] == evaluation_url(evaluation)
    assert evaluation.round.kind == RoundKind.FINAL
    # A second final round for it is refused with the service's message.
    again = client.post(
        reverse("admin:projects_reportinground_add"), {**data, "contracts": [contract.pk]}
    )
    assert again.status_code == 200
    assert ReportingRound.objects.count() == 1


def test_the_round_list_shows_and_filters_the_kind(client, evaluated):
    client.force_login(evaluated["editor"])

    response = client.get(reverse("admin:projects_reportinground_changelist"), {"kind": "final"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [evaluated["evaluation"].round]
    assert "kind" in response.context["cl"].list_display


# --- The team portal --------------------------------------------------------------------------


def report_url(round_, project):
    return reverse("projects:portal_report", kwargs={"round_pk": round_.pk, "pk": project.pk})


def test_the_portal_asks_what_was_delivered_in_a_final_round(client, evaluated):
    client.force_login(evaluated["member"])
    round_ = evaluated["evaluation"].round

    response = client.get(report_url(round_, evaluated["project"]))
    listing = client.get(reverse("projects:portal"))

    assert response.status_code == 200
    form = response.context["form"]
    assert str(form.fields["achieved"].label) == gettext("What was delivered")
    content = response.content.decode()
    assert 'data-round-kind="final"' in content
    assert gettext("Final evaluation: what was delivered") in content
    assert gettext("Hand in the final evaluation") in content
    assert f'data-report-request="{round_.pk}"' in listing.content.decode()


def test_the_portal_keeps_the_midterm_wording(client, evaluated):
    client.force_login(evaluated["member"])
    midterm = services.open_round(
        title="Tussenevaluatie",
        due_date=timezone.localdate(),
        contracts=[evaluated["contract"]],
        user=evaluated["editor"],
    )

    response = client.get(report_url(midterm, evaluated["project"]))

    assert str(response.context["form"].fields["achieved"].label) == gettext("What was achieved")
    assert 'data-round-kind="final"' not in response.content.decode()


def test_a_final_report_handed_in_through_the_portal(client, evaluated):
    client.force_login(evaluated["member"])
    project = evaluated["project"]

    response = client.post(
        report_url(evaluated["evaluation"].round, project),
        {
            "achieved": "Een nieuwe speeltuin.",
            "deviations": "",
            "next_steps": "",
            "status": project.status,
            "percent_complete": project.percent_complete,
        },
    )

    assert response.status_code == 302
    assert evaluated["evaluation"].round.reports.get().achieved == "Een nieuwe speeltuin."


# --- The public page and PDF ------------------------------------------------------------------


def public_url(contract, pdf=False):
    name = "projects:final_evaluation_pdf" if pdf else "projects:final_evaluation"
    return reverse(name, kwargs={"slug": contract.neighbourhood.slug})


def test_without_a_final_evaluation_the_page_says_what_will_come(client):
    contract = contract_in_status(ContractStatus.SIGNED)

    response = client.get(public_url(contract))
    pdf = client.get(public_url(contract, pdf=True))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-final-evaluation="none"' in content
    assert "data-empty-state" in content
    assert 'data-period-end="2009-10-02"' in content
    assert "2 oktober 2009" in content
    assert pdf.status_code == 404


def test_an_open_evaluation_is_not_shown_yet(client, evaluated):
    completed_evaluation(evaluated)

    response = client.get(public_url(evaluated["contract"]))
    pdf = client.get(public_url(evaluated["contract"], pdf=True))

    content = response.content.decode()
    assert 'data-final-evaluation="open"' in content
    assert "data-pending" in content
    assert "Gelukt" not in content and "Zo staat het ervoor." not in content
    assert pdf.status_code == 404


def test_an_unknown_wijk_is_a_404(client):
    response = client.get(reverse("projects:final_evaluation", kwargs={"slug": "nergens"}))
    assert response.status_code == 404


def test_the_closed_evaluation_shows_reports_verdicts_decision_and_frozen_figures(
    client, evaluated
):
    evaluation = completed_evaluation(
        evaluated, status="delayed", percent_complete=70, achieved="Een halve speeltuin."
    )
    services.close_evaluation(evaluation, user=evaluated["editor"])
    # What happens after the closing does not change the figures shown.
    progress_update(
        evaluated["project"], evaluated["member"], "Toch af.", status="done", percent_complete=100
    )

    response = client.get(public_url(evaluated["contract"]))

    content = response.content.decode()
    assert 'data-final-evaluation="closed"' in content
    assert "Een halve speeltuin." in content
    assert gettext("What was delivered") in content
    for wish in evaluated["wishes"]:
        assert f'data-wish="{wish.pk}" data-verdict="fulfilled"' in content
    assert "Zo staat het ervoor." in content
    assert 'data-future="continue"' in content
    assert "Het werkt, dus het gaat door." in content
    assert 'data-average="70"' in content
    assert '<tr data-status="delayed">' in content
    assert '<tr data-status="done">' not in content
    assert evaluated["member"].email not in content
    assert (
        reverse(
            "projects:final_evaluation_pdf",
            kwargs={"slug": evaluated["contract"].neighbourhood.slug},
        )
        in content
    )


def test_the_public_page_costs_a_fixed_number_of_queries(
    client, evaluated, django_assert_max_num_queries
):
    services.close_evaluation(completed_evaluation(evaluated), user=evaluated["editor"])
    url = public_url(evaluated["contract"])
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)


def test_the_contract_and_wijk_pages_show_the_outcome_once_closed(client, evaluated):
    contract = evaluated["contract"]
    link = public_url(contract)
    pages = [
        reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug}),
        contract.neighbourhood.get_absolute_url(),
    ]
    completed_evaluation(evaluated)
    for page in pages:
        assert "data-evaluation-outcome" not in client.get(page).content.decode()

    services.close_evaluation(evaluated["evaluation"], user=evaluated["editor"])
    contract_services.change_status(contract, ContractStatus.COMPLETED)

    for page in pages:
        content = client.get(page).content.decode()
        assert 'data-evaluation-outcome="continue"' in content
        assert f'href="{link}"' in content


def test_the_review_address_of_a_final_round_leads_to_the_final_evaluation(client, evaluated):
    contract, round_ = evaluated["contract"], evaluated["evaluation"].round
    slug = contract.neighbourhood.slug

    page = client.get(
        reverse("projects:round_review", kwargs={"slug": slug, "round_pk": round_.pk})
    )
    pdf = client.get(
        reverse("projects:round_review_pdf", kwargs={"slug": slug, "round_pk": round_.pk})
    )
    elsewhere = client.get(
        reverse("projects:round_review", kwargs={"slug": "elders", "round_pk": round_.pk})
    )

    assert page.status_code == 302
    assert page["Location"] == public_url(contract)
    assert pdf["Location"] == public_url(contract, pdf=True)
    assert elsewhere.status_code == 404
    assert selectors.published_rounds(contract) == []
