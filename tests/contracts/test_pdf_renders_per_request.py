"""No web request renders more than one PDF: where staff ask for several (a signing set with
drafts in it, several contracts made ready for signing), the request hands them to a task and
says so; the task then does the work, and the result shows in the admin."""

import io
import zipfile

import pytest
from django.contrib import messages
from django.core.cache import cache
from django.urls import reverse

from contracts import documents, printing, tasks
from contracts.choices import ContractStatus
from tests.admin_pages import messages_of
from tests.factories import NeighbourhoodFactory, complete_contract, move_to
from wijkaanpak.common import pdf

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]

CHANGELIST = "admin:contracts_contract_changelist"


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs were rendered (WeasyPrint runs), counted since the last reset."""
    counted = []
    render = pdf.html_to_pdf

    def counting(html):
        counted.append(html)
        return render(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    cache.clear()
    return counted


@pytest.fixture
def enqueued(monkeypatch):
    """The tasks sent to a worker, which does not run them here: (task name, args)."""
    sent = []
    for task in (tasks.prepare_signing_set, tasks.mark_ready_for_signing):
        monkeypatch.setattr(task, "delay", lambda *args, name=task.name: sent.append((name, args)))
    return sent


def drafts(count):
    return [
        complete_contract(neighbourhood=NeighbourhoodFactory(slug=f"wijk-{n}", name=f"Wijk {n}"))
        for n in range(count)
    ]


def act(client, action, contracts):
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [c.pk for c in contracts]}
    )


def texts(response, tag):
    return [text for _level, tags, text in messages_of(response) if tag in tags]


def test_a_signing_set_with_unrendered_drafts_is_made_by_a_task(budget_manager, renders, enqueued):
    selected = [*drafts(2), move_to(complete_contract(), ContractStatus.READY_FOR_SIGNING)]
    renders.clear()

    response = act(budget_manager, "download_signing_set", selected)

    assert len(renders) <= 1
    assert response.status_code == 302  # back to the list, with the news
    [pending] = texts(response, "signing_set_pending")
    assert "2" in pending
    [(name, (ids,))] = enqueued
    assert name == "contracts.tasks.prepare_signing_set"
    assert sorted(ids) == sorted(contract.pk for contract in selected)

    tasks.prepare_signing_set(ids)  # what the worker does
    assert len(renders) >= 3  # the two drafts and the signing list, outside any request
    renders.clear()

    again = act(budget_manager, "download_signing_set", selected)

    assert len(renders) <= 1
    assert again["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(again.content)).namelist()
    assert printing.SIGNING_LIST_FILENAME in names
    assert len([name for name in names if name.startswith("wijkcontract-")]) == 3


def test_without_a_worker_the_signing_set_comes_at_once(budget_manager, renders):
    selected = drafts(2)

    response = act(budget_manager, "download_signing_set", selected)

    assert response["Content-Type"] == "application/zip"  # eager: the task ran in the request


def test_several_contracts_are_made_ready_for_signing_by_a_task(
    editor, editor_user, renders, enqueued
):
    selected = drafts(3)
    refused = complete_contract(neighbourhood=NeighbourhoodFactory(slug="kaal"))
    refused.sections.all().delete()
    renders.clear()

    response = act(editor, "mark_ready_for_signing", [*selected, refused])

    assert len(renders) <= 1
    assert response.status_code == 302
    assert [level for level, _tags, _text in messages_of(response)].count(messages.ERROR) == 1
    assert texts(response, "ready_in_background")
    [(name, (ids, user_id))] = enqueued
    assert name == "contracts.tasks.mark_ready_for_signing"
    assert (sorted(ids), user_id) == (sorted(c.pk for c in selected), editor_user.pk)
    for contract in selected:
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT  # not yet: the worker does it

    tasks.mark_ready_for_signing(ids, user_id)  # what the worker does

    assert len(renders) == 3
    for contract in selected:
        contract.refresh_from_db()
        assert contract.status == ContractStatus.READY_FOR_SIGNING
        assert documents.final_document(contract) is not None
        assert contract.status_changes.latest().changed_by == editor_user


def test_one_contract_is_made_ready_in_the_request_with_one_render(editor, renders, enqueued):
    [contract] = drafts(1)
    renders.clear()

    response = act(editor, "mark_ready_for_signing", [contract])

    assert len(renders) == 1
    assert enqueued == []
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
