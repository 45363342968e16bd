"""Addenda: numbered changes to a signed contract, each signed and archived as its own PDF.

The services, the PDF (read back with poppler; marked `pdf`), the public view, the admin and
the contract page's list. Signing renders a PDF, so each test signs as little as it can.
"""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from contracts import documents, services
from contracts.choices import AddendumKind, AddendumStatus, ContractStatus
from contracts.models import Addendum, AddendumSignatory
from tests import factories, pdf_reading
from tests.admin_pages import error_tags
from tests.conftest import assert_signatories_in, editor_client
from tests.factories import HOSTILE, PartnerFactory, UserFactory, contract_in_status
from tests.pdf_reading import addendum_pdf_url, flat
from wijkaanpak.common import pdf

pytestmark = pytest.mark.django_db

SIGNED_ON = datetime.date(2008, 3, 1)
BODY = (
    "Met ingang van 1 maart 2008 neemt Stichting Buurtwerk deel aan dit wijkcontract.\n\n"
    "Zij levert een opbouwwerker."
)


def pdf_text(data, tmp_path, name="addendum.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return pdf_reading.pdf_text(path, options=["-layout"])


def codes(error):
    return {e.code for e in error.error_list}


@pytest.fixture
def signed_contract():
    contract = contract_in_status(ContractStatus.SIGNED)
    contract.refresh_from_db()
    return contract


def draft_addendum(contract, *, signatories=2, **fields):
    """A draft addendum signed by the first `signatories` parties of the contract."""
    parties = contract.parties.select_related("partner")[:signatories]
    return factories.draft_addendum(
        contract, [party.partner for party in parties], **{"body": BODY, **fields}
    )


@pytest.fixture
def signed_addendum(signed_contract):
    return factories.sign_addendum(draft_addendum(signed_contract))


# --- Creating and numbering -------------------------------------------------------------------


@pytest.mark.parametrize("status", [ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING])
def test_an_addendum_needs_a_signed_contract(status):
    contract = contract_in_status(status)

    with pytest.raises(ValidationError) as refused:
        services.create_addendum(contract, kind=AddendumKind.OTHER, title="Te vroeg", body="Tekst")

    assert codes(refused.value) == {"contract_not_signed"}
    assert not Addendum.objects.exists()


def test_addenda_are_numbered_per_contract(signed_contract):
    other = contract_in_status(ContractStatus.SIGNED)

    first = draft_addendum(signed_contract, signatories=0)
    second = draft_addendum(signed_contract, signatories=0)
    elsewhere = draft_addendum(other, signatories=0)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.status == AddendumStatus.DRAFT


# --- Signing ----------------------------------------------------------------------------------


@pytest.mark.pdf
def test_signing_archives_the_pdf_once_with_its_fingerprint(signed_addendum, tmp_path, poppler):
    addendum = signed_addendum
    data = documents.read_archived(addendum)
    text = flat(pdf_text(data, tmp_path))
    original = documents.archived_original(addendum.contract)

    assert addendum.status == AddendumStatus.SIGNED
    assert addendum.sha256 == hashlib.sha256(data).hexdigest()
    assert addendum.size == len(data)
    assert addendum.page_count >= 1
    assert addendum.archived_at is not None
    assert documents.addendum_pdf(addendum) == (data, "archive")
    assert f"Addendum {addendum.number}" in text
    assert addendum.title in text
    assert "".join(BODY.split()) in "".join(text.split())
    assert addendum.contract.title in text
    assert original.sha256 in text
    assert_signatories_in(text, addendum.signatories.select_related("partner"))
    assert "Haarlem, 1 maart 2008" in text
    assert "CONCEPT" not in text.upper()


@pytest.mark.pdf
def test_a_draft_pdf_is_marked_concept(signed_contract, tmp_path, poppler):
    addendum = draft_addendum(signed_contract)

    data, source = documents.addendum_pdf(addendum)

    assert source in {"rendered", "cache"}
    assert "CONCEPT" in pdf_text(data, tmp_path)
    assert not addendum.file


def test_a_second_signing_is_refused_and_changes_nothing(signed_addendum):
    before = documents.read_archived(signed_addendum)
    stored = Addendum.objects.get(pk=signed_addendum.pk)
    files = default_storage.listdir("contracts/addenda")[1]

    with pytest.raises(ValidationError) as refused:
        services.sign_addendum(signed_addendum)

    assert codes(refused.value) == {"already_archived"}
    after = Addendum.objects.get(pk=signed_addendum.pk)
    assert (after.sha256, after.file.name, after.archived_at) == (
        stored.sha256,
        stored.file.name,
        stored.archived_at,
    )
    assert documents.read_archived(after) == before
    assert default_storage.listdir("contracts/addenda")[1] == files


@pytest.mark.parametrize(
    ("fields", "signatories", "expected"),
    [
        ({}, 0, {"no_signatories"}),
        ({"signed_on": None, "signing_place": ""}, 2, {"signing_details_missing"}),
        ({"signed_on": datetime.date(2007, 9, 1)}, 2, {"signed_before_contract"}),
        (
            {"signed_on": datetime.date.today() + datetime.timedelta(days=2)},
            2,
            {"signed_in_future"},
        ),
    ],
)
def test_signing_is_refused_without_what_it_needs(signed_contract, fields, signatories, expected):
    addendum = draft_addendum(signed_contract, signatories=signatories, **fields)

    with pytest.raises(ValidationError) as refused:
        factories.sign_addendum(addendum)

    assert codes(refused.value) == expected
    addendum.refresh_from_db()
    if expected == {"signed_in_future"}:
        # A planned date may lie ahead: it is ready, with its final PDF, but not signed yet.
        assert addendum.status == AddendumStatus.READY_FOR_SIGNING and addendum.file
    else:
        assert addendum.status == AddendumStatus.DRAFT
        assert not addendum.file and not addendum.sha256


def test_a_draft_addendum_is_not_signed_without_its_final_pdf(signed_contract):
    addendum = draft_addendum(signed_contract)

    with pytest.raises(ValidationError) as refused:
        services.sign_addendum(addendum)

    assert codes(refused.value) == {"addendum_not_ready"}
    addendum.refresh_from_db()
    assert addendum.status == AddendumStatus.DRAFT and not addendum.file


def test_the_final_addendum_pdf_is_frozen_when_ready_and_archived_unchanged(
    signed_contract, tmp_path, poppler, calls_to, django_capture_on_commit_callbacks
):
    addendum = draft_addendum(signed_contract)
    services.mark_addendum_ready(addendum)
    addendum.refresh_from_db()
    printed = documents.read_archived(addendum)
    path = tmp_path / "addendum.pdf"
    path.write_bytes(printed)
    pages = [
        pdf_reading.pdf_text(path, page) for page in range(1, pdf_reading.page_count(path) + 1)
    ]
    assert all(addendum.document_code in page for page in pages)
    assert not any("CONCEPT" in page.upper() for page in pages)

    # Ready: its text and signatories are fixed.
    addendum.title = "Andere titel"
    with pytest.raises(ValidationError) as frozen:
        addendum.save()
    assert codes(frozen.value) == {"addendum_frozen"}
    with pytest.raises(ValidationError):
        addendum.signatories.first().delete()

    rendered = calls_to(pdf, "html_to_pdf")
    services.sign_addendum(addendum)
    signed = Addendum.objects.get(pk=addendum.pk)
    assert rendered == []
    assert signed.status == AddendumStatus.SIGNED
    assert documents.read_archived(signed) == printed
    assert signed.sha256 == hashlib.sha256(printed).hexdigest()


def test_back_to_draft_discards_the_final_addendum_pdf(
    signed_contract, settings, django_capture_on_commit_callbacks
):
    addendum = draft_addendum(signed_contract)
    services.mark_addendum_ready(addendum)
    name = Addendum.objects.get(pk=addendum.pk).file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.addendum_back_to_draft(addendum)

    addendum.refresh_from_db()
    assert addendum.status == AddendumStatus.DRAFT
    assert (addendum.file.name, addendum.sha256, addendum.document_code) == ("", "", "")
    assert not default_storage.exists(name)
    addendum.title = "Nu wel te wijzigen"
    addendum.save()


def test_a_signed_addendum_and_its_signatories_never_change(signed_addendum):
    addendum = Addendum.objects.get(pk=signed_addendum.pk)
    signatory = addendum.signatories.first()

    def refused(write):
        with pytest.raises(ValidationError) as error:
            write()
        assert codes(error.value) == {"archive_immutable"}

    addendum.title = "Andere titel"
    refused(addendum.save)
    refused(addendum.delete)
    refused(Addendum.objects.filter(pk=addendum.pk).delete)
    signatory.signatory_name = "Iemand anders"
    refused(signatory.save)
    refused(signatory.delete)
    refused(
        lambda: AddendumSignatory.objects.create(
            addendum=addendum, partner=PartnerFactory(), signatory_name="X", signatory_function="Y"
        )
    )
    stored = Addendum.objects.get(pk=addendum.pk)
    assert stored.title == signed_addendum.title
    assert [s.signatory_name for s in stored.signatories.all()] == [
        s.signatory_name for s in signed_addendum.signatories.all()
    ]


def test_the_signed_original_never_changes(signed_contract):
    original = documents.archived_original(signed_contract)
    before = (documents.read_archived(original), original.sha256, original.file.name)

    factories.sign_addendum(draft_addendum(signed_contract))

    signed_contract.refresh_from_db()
    after = documents.archived_original(signed_contract)
    after.refresh_from_db()
    assert (documents.read_archived(after), after.sha256, after.file.name) == before
    assert signed_contract.status == ContractStatus.SIGNED


# --- The public PDF ---------------------------------------------------------------------------


def test_a_signed_addendum_is_served_byte_for_byte(client, signed_addendum):
    response = client.get(addendum_pdf_url(signed_addendum))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="{documents.addendum_filename(signed_addendum)}"'
    )
    assert response["ETag"] == f'"{signed_addendum.sha256}"'
    assert response.content == documents.read_archived(signed_addendum)

    again = client.get(
        addendum_pdf_url(signed_addendum), headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304


def test_a_draft_addendum_is_a_404_for_residents_and_a_preview_for_staff(client, signed_contract):
    addendum = draft_addendum(signed_contract)

    assert client.get(addendum_pdf_url(addendum)).status_code == 404
    response = editor_client().get(addendum_pdf_url(addendum))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert "ETag" not in response
    assert "no-store" in response["Cache-Control"]


def test_an_addendum_under_another_wijk_or_number_is_a_404(client, signed_addendum):
    kwargs = {
        "slug": signed_addendum.contract.neighbourhood.slug,
        "pk": signed_addendum.contract_id,
        "number": signed_addendum.number,
    }
    other = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    for changed in ({"slug": other.neighbourhood.slug}, {"number": 99}, {"pk": other.pk}):
        url = reverse("contracts:addendum_pdf", kwargs={**kwargs, **changed})
        assert client.get(url).status_code == 404


@pytest.mark.pdf
def test_hostile_text_is_printed_literally_and_never_fetched(signed_contract, tmp_path, poppler):
    addendum = draft_addendum(
        signed_contract, title=f"Titel {HOSTILE}", body=f"Let op:\n\n{HOSTILE}"
    )
    AddendumSignatory.objects.filter(addendum=addendum).update(signatory_name=HOSTILE)
    fetched = []
    original = pdf._local_path

    def spy(url):
        fetched.append(url)
        return original(url)

    pdf._local_path = spy
    try:
        data, _from_cache = documents.render_addendum(addendum, cached=False)
    finally:
        pdf._local_path = original
    squeezed = "".join(pdf_text(data, tmp_path).split())

    # The title twice, the body once, two signatories.
    assert squeezed.count("<script>alert(1)</script>") >= 5
    assert "<imgsrc=http://evil.example/x.png>" in squeezed
    assert not [url for url in fetched if "evil" in url]
    assert fetched and all(url.startswith(pdf.BASE_URL + "static/") for url in fetched)


# --- The contract page's list -----------------------------------------------------------------


def test_the_include_lists_signed_addenda_only(signed_addendum):
    contract = signed_addendum.contract
    draft = draft_addendum(contract, title="Nog niet getekend", signatories=0)

    html = render_to_string("contracts/includes/addenda.html", {"contract": contract})

    assert signed_addendum.title in html
    assert f'href="{addendum_pdf_url(signed_addendum)}"' in html
    assert "<code" in html and signed_addendum.sha256 in html
    assert draft.title not in html
    assert 'data-addendum="1"' in html and 'data-addendum="2"' not in html


def test_the_include_shows_nothing_without_signed_addenda(signed_contract):
    draft_addendum(signed_contract, signatories=0)

    html = render_to_string("contracts/includes/addenda.html", {"contract": signed_contract})

    assert html.strip() == ""


# --- The admin --------------------------------------------------------------------------------

ADDENDA_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("addendum", "addendumsignatory")
    for action in ("view", "add", "change", "delete")
]


@pytest.fixture
def addenda_editor(client, editor_user):
    """An editor with the addenda permissions (the Redacteuren group should carry them)."""
    editor_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="contracts", codename__in=ADDENDA_PERMISSIONS
        )
    )
    client.force_login(editor_user)
    return client


def admin_url(view, *args):
    return reverse(f"admin:contracts_addendum_{view}", args=args)


def sign_url(addendum):
    return reverse("admin:contracts_addendum_sign", args=[addendum.pk])


def add_form(contract, partners=()):
    data = {
        "contract": contract.pk,
        "kind": AddendumKind.PROJECT_ADDED,
        "title": "Project Speeltuin toegevoegd",
        "body": "De speeltuin wordt opgeknapt.",
        "signed_on": SIGNED_ON.isoformat(),
        "signing_place": "Haarlem",
        "signatories-TOTAL_FORMS": str(len(partners)),
        "signatories-INITIAL_FORMS": "0",
        "signatories-MIN_NUM_FORMS": "0",
        "signatories-MAX_NUM_FORMS": "1000",
    }
    for index, partner in enumerate(partners):
        data[f"signatories-{index}-partner"] = partner.pk
        data[f"signatories-{index}-signatory_name"] = f"A. Bakker {index}"
        data[f"signatories-{index}-signatory_function"] = "directeur"
        data[f"signatories-{index}-order"] = str(index)
    return data


def test_the_admin_pages_open_for_an_editor(addenda_editor, signed_addendum, signed_contract):
    draft = draft_addendum(signed_contract)

    for url in (
        admin_url("changelist"),
        admin_url("add"),
        admin_url("change", draft.pk),
        admin_url("change", signed_addendum.pk),
        admin_url("history", signed_addendum.pk),
    ):
        assert addenda_editor.get(url).status_code == 200, url
    assert addenda_editor.get(admin_url("changelist"), {"q": "Buurtwerk"}).status_code == 200


def test_an_editor_adds_and_signs_an_addendum_in_the_admin(addenda_editor, signed_contract):
    partners = [party.partner for party in signed_contract.parties.all()]

    response = addenda_editor.post(admin_url("add"), add_form(signed_contract, partners))

    assert response.status_code == 302
    addendum = Addendum.objects.get()
    assert (addendum.contract_id, addendum.number, addendum.status) == (
        signed_contract.pk,
        1,
        AddendumStatus.DRAFT,
    )
    assert {s.partner_id for s in addendum.signatories.all()} == {p.pk for p in partners}
    page = addenda_editor.get(admin_url("change", addendum.pk)).content.decode()
    assert admin_url("ready", addendum.pk) in page
    assert sign_url(addendum) not in page
    assert addendum_pdf_url(addendum) in page

    response = addenda_editor.post(admin_url("ready", addendum.pk))

    assert response.status_code == 302
    assert error_tags(response) == []
    addendum.refresh_from_db()
    assert addendum.status == AddendumStatus.READY_FOR_SIGNING
    page = addenda_editor.get(admin_url("change", addendum.pk)).content.decode()
    assert sign_url(addendum) in page and addendum.document_code in page
    printed = addenda_editor.get(addendum_pdf_url(addendum)).content
    assert hashlib.sha256(printed).hexdigest() == addendum.sha256

    response = addenda_editor.post(sign_url(addendum))

    assert response.status_code == 302
    assert error_tags(response) == []
    signed = Addendum.objects.get(pk=addendum.pk)
    assert signed.status == AddendumStatus.SIGNED
    assert signed.sha256 == addendum.sha256
    assert documents.read_archived(signed) == printed


def test_the_admin_refuses_an_addendum_on_an_unsigned_contract(addenda_editor):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    response = addenda_editor.post(admin_url("add"), add_form(contract))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["contract"]] == ["contract_not_signed"]
    assert not Addendum.objects.exists()


def test_a_refused_signing_in_the_admin_says_why_and_changes_nothing(
    addenda_editor, signed_contract
):
    addendum = draft_addendum(signed_contract, signatories=0)

    response = addenda_editor.post(admin_url("ready", addendum.pk))
    signing = addenda_editor.post(sign_url(addendum))

    assert response.status_code == 302
    assert "no_signatories" in error_tags(response)[0]
    assert any("addendum_not_ready" in tags for tags in error_tags(signing))
    addendum.refresh_from_db()
    assert addendum.status == AddendumStatus.DRAFT and not addendum.file
    assert addenda_editor.get(sign_url(addendum)).status_code == 405
    assert addenda_editor.get(admin_url("ready", addendum.pk)).status_code == 405


def test_a_signed_addendum_is_read_only_in_the_admin(addenda_editor, signed_addendum):
    stored = Addendum.objects.get(pk=signed_addendum.pk)

    page = addenda_editor.get(admin_url("change", stored.pk)).content.decode()
    again = addenda_editor.post(sign_url(stored))
    edit = addenda_editor.post(
        admin_url("change", stored.pk), {**add_form(stored.contract), "title": "Anders"}
    )
    delete = addenda_editor.post(admin_url("delete", stored.pk), {"post": "yes"})

    assert 'name="title"' not in page
    assert sign_url(stored) not in page
    assert addendum_pdf_url(stored) in page
    assert "already_archived" in error_tags(again)[0]
    assert edit.status_code == 302 and "archive_immutable" in error_tags(edit)[-1]
    # Refused with the reason, as for a frozen contract or project, not with a bare 403.
    assert delete.status_code == 302 and "archive_immutable" in error_tags(delete)[-1]
    after = Addendum.objects.get(pk=stored.pk)
    assert (after.title, after.sha256, after.file.name) == (
        stored.title,
        stored.sha256,
        stored.file.name,
    )


def test_the_admin_needs_the_addenda_permissions(client, signed_contract):
    client.force_login(UserFactory(username="zonderrechten", is_staff=True))
    addendum = draft_addendum(signed_contract)

    assert client.get(admin_url("changelist")).status_code == 403
    assert client.post(sign_url(addendum)).status_code == 403
    addendum.refresh_from_db()
    assert addendum.status == AddendumStatus.DRAFT


# --- One way into "signed" for addenda: sign_addendum ---------------------------------------


def test_the_admin_form_cannot_sign_an_addendum(addenda_editor, signed_contract):
    partners = [party.partner for party in signed_contract.parties.all()]
    data = {**add_form(signed_contract, partners), "status": AddendumStatus.SIGNED}

    added = addenda_editor.post(admin_url("add"), data)

    assert added.status_code == 302
    addendum = Addendum.objects.get()
    assert addendum.status == AddendumStatus.DRAFT
    assert (addendum.file.name, addendum.sha256, addendum.archived_at) == ("", "", None)


def test_an_addendum_saved_as_signed_without_its_archived_pdf_is_refused(signed_contract):
    addendum = draft_addendum(signed_contract)
    addendum.status = AddendumStatus.SIGNED

    with pytest.raises(IntegrityError), transaction.atomic():
        addendum.save()

    assert Addendum.objects.get(pk=addendum.pk).status == AddendumStatus.DRAFT
