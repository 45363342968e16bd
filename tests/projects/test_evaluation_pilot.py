"""The pilot's illustrative final evaluation of Centrum: loaded from the file, closed, the
contract completed, on the public page and in the PDF (read back with poppler).

The PDF tests are marked `pdf`: locally they skip without poppler-utils; in CI a missing tool
fails them.
"""

import datetime
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange
from projects.choices import RoundKind
from projects.models import ContractEvaluation, ProjectReport, ReportingRound, WishVerdictRecord
from tests.pdf_reading import download, flat, page_count, pdf_info, pdf_text
from tests.pilot_files import load_pilot, pilot_data, row_counts
from wijkaanpak.common import pilot as pilot_loading

pytestmark = pytest.mark.django_db


def centrum():
    return Contract.objects.get(neighbourhood__slug="centrum")


def page_url(slug, pdf=False):
    name = "projects:final_evaluation_pdf" if pdf else "projects:final_evaluation"
    return reverse(name, kwargs={"slug": slug})


def test_centrum_has_a_closed_illustrative_final_evaluation(pilot):
    contract = centrum()
    evaluation = contract.evaluation

    assert evaluation.is_illustrative and evaluation.round.is_illustrative
    assert evaluation.round.kind == RoundKind.FINAL
    assert evaluation.round.due_date > datetime.date(2009, 10, 2)
    assert list(evaluation.round.contracts.all()) == [contract]
    assert evaluation.is_closed
    assert timezone.localtime(evaluation.closed_at).date() == datetime.date(2009, 11, 26)
    assert evaluation.future == "continue_changed"
    assert evaluation.future_explanation
    assert ProjectReport.objects.filter(round=evaluation.round).count() == 4
    assert set(evaluation.verdicts.values_list("wish", flat=True)) == set(
        contract.wishes.values_list("pk", flat=True)
    )
    assert evaluation.snapshot["date"] == "2009-11-26"
    assert evaluation.snapshot["status_counts"]["done"] == 3
    assert evaluation.snapshot["status_counts"]["delayed"] == 1
    assert evaluation.snapshot["average_percent"] == 96
    assert evaluation.snapshot["verdict_counts"] == {
        "fulfilled": 2,
        "partly_fulfilled": 2,
        "not_fulfilled": 0,
    }


def test_centrum_was_completed_through_the_lifecycle_after_the_evaluation(pilot):
    contract = centrum()
    step = ContractStatusChange.objects.filter(contract=contract).latest()

    assert contract.status == ContractStatus.COMPLETED
    assert (step.from_status, step.to_status) == (ContractStatus.SIGNED, ContractStatus.COMPLETED)
    assert timezone.localtime(step.changed_at).date() == datetime.date(2009, 12, 1)
    assert step.changed_at > contract.evaluation.closed_at
    # The other wijken are still signed, without a final evaluation.
    others = Contract.objects.exclude(pk=contract.pk)
    assert set(others.values_list("status", flat=True)) == {ContractStatus.SIGNED}
    assert not ContractEvaluation.objects.exclude(contract=contract).exists()


def test_the_pilot_projects_of_centrum_end_as_their_final_reports_say(pilot):
    for report in ProjectReport.objects.filter(round__kind=RoundKind.FINAL).select_related(
        "project"
    ):
        assert (report.project.status, report.project.percent_complete) == (
            report.status,
            report.percent_complete,
        )


def test_loading_the_pilot_twice_changes_nothing(pilot):
    counts = row_counts()

    output = load_pilot(language="en")

    assert row_counts() == counts
    assert "final evaluations: 0 created, 1 already present" in output


def test_a_verdict_on_a_wish_of_another_contract_in_the_file_is_refused(db):
    data = pilot_data()
    other_wish = next(c for c in data["contracts"] if c["neighbourhood"] == "leidsebuurt")[
        "wishes"
    ][0]["title"]
    data["final_evaluations"][0]["verdicts"][0]["wish"] = other_wish

    with pytest.raises(pilot_loading.PilotDataError) as excinfo:
        pilot_loading.load(data)

    assert [p.path for p in excinfo.value.problems] == ["final_evaluations[0].verdicts[0].wish"]
    assert not Contract.objects.exists()
    assert not ReportingRound.objects.exists()
    assert not WishVerdictRecord.objects.exists()


# --- The public pages -------------------------------------------------------------------------


def test_the_eindevaluatie_page_of_centrum(client, pilot):
    evaluation = centrum().evaluation

    response = client.get(page_url("centrum"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-final-evaluation="closed"' in content
    assert 'data-notice="illustrative"' in content
    assert content.count("<h1") == 1
    for record in evaluation.verdicts.select_related("wish"):
        assert record.wish.title in content
        assert record.explanation in content
    for report in ProjectReport.objects.filter(round=evaluation.round):
        assert report.achieved in content
    assert evaluation.future_explanation in content
    assert 'data-average="96"' in content
    assert "@" not in content.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_wijk_without_a_final_evaluation_says_what_will_come(client, pilot):
    response = client.get(page_url("leidsebuurt"))
    pdf = client.get(page_url("leidsebuurt", pdf=True))

    content = response.content.decode()
    assert response.status_code == 200
    assert "data-empty-state" in content
    assert "2 oktober 2009" in content
    assert pdf.status_code == 404


def test_the_wijk_and_contract_pages_of_centrum_link_the_outcome(client, pilot):
    link = f'href="{page_url("centrum")}"'
    for url in ("/wijken/centrum/", "/wijken/centrum/contract/"):
        content = client.get(url).content.decode()
        assert 'data-evaluation-outcome="continue_changed"' in content
        assert link in content
    for url in ("/wijken/leidsebuurt/", "/wijken/leidsebuurt/contract/"):
        assert "data-evaluation-outcome" not in client.get(url).content.decode()


def test_the_midterm_review_of_centrum_is_still_there(client, pilot):
    midterm = ReportingRound.objects.get(kind=RoundKind.MIDTERM, title__contains="oktober 2008")
    final = centrum().evaluation.round

    review = client.get(
        reverse("projects:round_review", kwargs={"slug": "centrum", "round_pk": midterm.pk})
    )
    final_review = client.get(
        reverse("projects:round_review", kwargs={"slug": "centrum", "round_pk": final.pk})
    )
    wijk = client.get("/wijken/centrum/").content.decode()

    assert review.status_code == 200
    assert final_review.status_code == 302
    assert final_review["Location"] == page_url("centrum")
    assert f"/tussenevaluaties/{midterm.pk}/" in wijk
    assert f"/tussenevaluaties/{final.pk}/" not in wijk


# --- The PDF ----------------------------------------------------------------------------------


@pytest.mark.pdf
def test_the_pdf_is_a_tagged_a4_document_with_the_whole_evaluation(
    client, pilot, tmp_path, poppler, real_pdf_renders
):
    cache.clear()
    evaluation = centrum().evaluation
    started = time.monotonic()
    response, path = download(client, page_url("centrum", pdf=True), tmp_path / "eind.pdf")
    seconds = time.monotonic() - started

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "eindevaluatie-centrum.pdf" in response["Content-Disposition"]
    info = pdf_info(path)
    assert "Tagged:" in info and "yes" in info.split("Tagged:")[1].split("\n")[0]
    assert "(A4)" in info
    text = flat(pdf_text(path))
    assert "Centrum" in text
    assert "26 november 2009" in text
    for record in evaluation.verdicts.select_related("wish"):
        assert flat(record.wish.title) in text
        assert flat(record.explanation) in text
    for report in ProjectReport.objects.filter(round=evaluation.round):
        assert flat(report.achieved) in text
    assert flat(evaluation.future_explanation) in text
    assert "96%" in text
    assert page_count(path) >= 2
    assert seconds < 60
    # The same document again comes from the cache: it is keyed on the closed evaluation.
    again = client.get(page_url("centrum", pdf=True))
    assert again["X-Wijkaanpak-Source"] == "cache"
    assert again.content == path.read_bytes()
