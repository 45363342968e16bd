"""The press kit: press releases drafted from the data per milestone, published through the
service, shown on the programme's news page and in its Atom feed; and the portfolio holder's
briefing notes (a PDF of one page per wijk), read back with pdftotext.

The tests assert on data (dates, names, counts, amounts), not on the wording of the drafts.
"""

import datetime
from decimal import Decimal

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.choices import ContractStatus, Milestone, PartnerKind, PressReleaseStatus
from contracts.models import QUOTE_PLACEHOLDER, PressRelease, Programme
from projects import selectors as project_selectors
from projects import services as project_services
from projects.choices import ContractFuture, ProjectStatus, RoundKind, WishVerdict
from projects.models import ContractEvaluation, ReportingRound, WishVerdictRecord
from tests import pdf_reading
from tests.access import personas
from tests.conftest import staff_client
from tests.factories import (
    FundFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    complete_contract,
    move_to,
    team_member,
)
from tests.pdf_reading import flat, page_count, pdf_info, pdf_text
from wijkaanpak.press import briefing, drafting

PILOT_SLUG = "wijkaanpak-2007-2009"
PILOT_WIJKEN = [
    "Amsterdamse buurten",
    "Boerhaavewijk",
    "Delftwijk/Waterbuurt",
    "Leidsebuurt",
    "Centrum",
]


# --- Records of a programme ---------------------------------------------------------------


def make_programme(slug="wijkaanpak-2020-2022", **fields):
    return Programme.objects.create(
        name=fields.pop("name", f"Programma {slug}"),
        slug=slug,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2022, 1, 1),
        **fields,
    )


def signed_contract(programme, wijk, *, projects=2, signed_on=datetime.date(2020, 1, 15)):
    """A contract of `programme` in the wijk named `wijk`, with `projects` projects (the first
    led by the municipality), signed on `signed_on` in Zandvoort."""
    contract = complete_contract(
        neighbourhood=NeighbourhoodFactory(name=wijk),
        programme=programme,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2022, 1, 1),
        signed_on=signed_on,
        signing_place="Zandvoort",
    )
    municipality = PartnerFactory(name="Gemeente Zandvoort", kind=PartnerKind.MUNICIPALITY)
    contract.parties.create(
        partner=municipality, signatory_name="A. Burgemeester", signatory_function="burgemeester"
    )
    for number in range(projects):
        project = ProjectFactory(
            contract=contract,
            number=number + 1,
            title=f"{wijk} project {number + 1}",
            lead_partner=municipality if number == 0 else contract.parties.first().partner,
        )
        if number == 1:
            ProjectPartnerFactory(project=project, partner=municipality, amount=Decimal(12000))
    move_to(contract, ContractStatus.SIGNED)
    return contract


def midterm_reports(contract, statuses, editor):
    """A midterm round of `contract` in which its projects report with `statuses`."""
    round_ = project_services.open_round(
        title="Tussenevaluatie",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
        contracts=[contract],
        user=editor,
    )
    for project, status in zip(contract.projects.order_by("number"), statuses, strict=True):
        project_services.submit_report(
            round_,
            project,
            user=editor,
            achieved="Wat er is bereikt.",
            next_steps="Wat er nu komt.",
            status=status,
            percent_complete=100 if status == ProjectStatus.DONE else 40,
        )
    return round_


def closed_evaluation(contract, verdicts, future=ContractFuture.CONTINUE, closed=True):
    round_ = ReportingRound.objects.create(
        title="Eindevaluatie",
        kind=RoundKind.FINAL,
        due_date=datetime.date(2022, 2, 1),
        opened_at=timezone.now(),
    )
    round_.contracts.add(contract)
    evaluation = ContractEvaluation.objects.create(
        contract=contract,
        round=round_,
        future=future,
        future_explanation="De partners gaan door met een nieuw contract.",
        closed_at=timezone.now() if closed else None,
    )
    for wish, verdict in zip(contract.wishes.order_by("order", "pk"), verdicts, strict=False):
        WishVerdictRecord.objects.create(
            evaluation=evaluation, wish=wish, verdict=verdict, explanation="Toelichting."
        )
    return evaluation


def published(programme, title="Nieuws", body="De tekst.", **fields):
    release = PressRelease.objects.create(
        programme=programme,
        milestone=fields.pop("milestone", Milestone.SIGNING),
        title=title,
        lead=fields.pop("lead", "De aanhef."),
        body=body,
        **fields,
    )
    services.publish_press_release(release)
    return release


def news_url(programme):
    return reverse("programme_news", kwargs={"slug": programme.slug})


def feed_url(programme):
    return reverse("programme_feed", kwargs={"slug": programme.slug})


def briefing_url(programme):
    return reverse("admin:contracts_pressrelease_briefing", kwargs={"slug": programme.slug})


# --- Drafting from the data -------------------------------------------------------------------


@pytest.mark.django_db
class TestDrafting:
    def test_the_signing_draft_tells_date_place_wijken_partners_projects_and_fund(self):
        programme = make_programme()
        FundFactory(
            name="Fonds 2020",
            programme=programme,
            total=Decimal("80000"),
            period_start=datetime.date(2020, 1, 1),
            period_end=datetime.date(2022, 1, 1),
        )
        first = signed_contract(programme, "Noordhoek", projects=2)
        signed_contract(programme, "Zuidhoek", projects=1)

        release = drafting.draft_press_release(programme, Milestone.SIGNING)

        text = f"{release.title} {release.lead} {release.body}"
        assert release.status == PressReleaseStatus.DRAFT
        assert release.milestone == Milestone.SIGNING
        assert "15 januari 2020" in text
        assert "Zandvoort" in text
        assert "Noordhoek" in text and "Zuidhoek" in text
        partners = {p.partner_id for c in programme.contracts.all() for p in c.parties.all()}
        assert f" {drafting.number(len(partners))} " in release.lead
        assert f" {drafting.number(3)} " in release.body  # three projects
        assert "€ 80.000" in release.body
        assert "€ 12.000" in release.body  # the municipality's agreed amount
        assert str(QUOTE_PLACEHOLDER) in release.body
        assert first.period_end.year == 2022 and "1 januari 2022" in release.body

    def test_a_signing_without_a_signed_contract_is_refused_and_nothing_is_written(self):
        programme = make_programme()
        complete_contract(programme=programme)  # a draft

        with pytest.raises(ValidationError) as refusal:
            drafting.draft_press_release(programme, Milestone.SIGNING)

        assert refusal.value.code == "no_signing"
        assert not PressRelease.objects.exists()

    def test_the_midterm_draft_counts_the_projects_per_wijk_from_the_round(self, editor_user):
        programme = make_programme()
        contract = signed_contract(programme, "Noordhoek", projects=3)
        midterm_reports(
            contract,
            [ProjectStatus.DONE, ProjectStatus.DELAYED, ProjectStatus.ON_SCHEDULE],
            editor_user,
        )

        release = drafting.draft_press_release(programme, Milestone.MIDTERM, editor_user)

        assert "1 van de 3 projecten klaar" in release.title
        delayed = contract.projects.get(number=2)
        assert "Noordhoek" in release.body
        assert delayed.title in release.body
        assert f"1 {ProjectStatus.DONE.label}" in release.body
        assert f"1 {ProjectStatus.DELAYED.label}" in release.body
        assert release.history.first().history_user == editor_user

    def test_a_midterm_review_without_reports_is_refused(self, editor_user):
        programme = make_programme()
        signed_contract(programme, "Noordhoek")

        with pytest.raises(ValidationError) as refusal:
            drafting.draft_press_release(programme, Milestone.MIDTERM)

        assert refusal.value.code == "no_midterm_reports"
        assert not PressRelease.objects.exists()

    def test_the_final_draft_counts_the_verdicts_and_tells_the_decision(self):
        programme = make_programme()
        contract = signed_contract(programme, "Noordhoek")
        closed_evaluation(
            contract,
            [WishVerdict.FULFILLED, WishVerdict.NOT_FULFILLED],
            future=ContractFuture.CONTINUE_CHANGED,
        )
        open_one = signed_contract(programme, "Zuidhoek")
        closed_evaluation(open_one, [WishVerdict.FULFILLED], closed=False)

        release = drafting.draft_press_release(programme, Milestone.FINAL)

        assert "Noordhoek" in release.body
        assert "Zuidhoek" not in release.body  # its evaluation is still open
        assert str(ContractFuture.CONTINUE_CHANGED.label) in release.body
        assert "1" in release.title and "2" in release.title  # 1 of 2 wishes fulfilled

    def test_a_final_evaluation_that_is_not_closed_is_refused(self):
        programme = make_programme()
        contract = signed_contract(programme, "Noordhoek")
        closed_evaluation(contract, [WishVerdict.FULFILLED], closed=False)

        with pytest.raises(ValidationError) as refusal:
            drafting.draft_press_release(programme, Milestone.FINAL)

        assert refusal.value.code == "no_closed_evaluation"
        assert not PressRelease.objects.exists()


@pytest.mark.django_db
class TestDraftingOnThePilot:
    def test_the_signing_draft_of_the_pilot(self, pilot):
        programme = Programme.objects.get(slug=PILOT_SLUG)

        release = drafting.draft_press_release(programme, Milestone.SIGNING)

        text = f"{release.lead} {release.body}"
        assert "2 oktober 2007" in text
        for wijk in PILOT_WIJKEN:
            assert wijk in release.lead
        assert "€ 250.000" in release.body
        assert "B.B. Schneiders" in release.body  # the portfolio holder of the decision
        assert release.is_illustrative  # drawn from illustrative projects

    def test_the_midterm_draft_of_the_pilot_counts_every_report(self, pilot):
        programme = Programme.objects.get(slug=PILOT_SLUG)
        round_ = ReportingRound.objects.get(kind=RoundKind.MIDTERM)

        release = drafting.draft_press_release(programme, Milestone.MIDTERM)

        assert str(round_.reports.count()) in release.title
        assert "oktober 2008" in release.lead
        for wijk in PILOT_WIJKEN:
            assert f"{wijk}:" in release.body

    def test_the_pilot_has_no_closed_final_evaluation_to_announce(self, pilot):
        programme = Programme.objects.get(slug=PILOT_SLUG)
        if ContractEvaluation.objects.filter(closed_at__isnull=False).exists():
            release = drafting.draft_press_release(programme, Milestone.FINAL)
            assert release.body
        else:
            with pytest.raises(ValidationError):
                drafting.draft_press_release(programme, Milestone.FINAL)


# --- Publishing -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPublishing:
    def test_publishing_sets_status_date_and_publisher(self, editor_user):
        release = PressRelease.objects.create(
            programme=make_programme(), milestone=Milestone.SIGNING, title="T", body="Tekst."
        )

        services.publish_press_release(release, user=editor_user)

        release.refresh_from_db()
        assert release.status == PressReleaseStatus.PUBLISHED
        assert release.published_at is not None
        assert release.published_by == editor_user

    @pytest.mark.parametrize("body", ["", "   \n "])
    def test_a_release_without_text_is_not_published_and_nothing_changes(self, body):
        release = PressRelease.objects.create(
            programme=make_programme(), milestone=Milestone.SIGNING, title="T", body=body
        )
        before = release.history.count()

        with pytest.raises(ValidationError) as refusal:
            services.publish_press_release(release)

        assert refusal.value.code == "published_without_text"
        release.refresh_from_db()
        assert release.status == PressReleaseStatus.DRAFT
        assert release.published_at is None
        assert release.history.count() == before

    def test_a_draft_whose_quote_is_not_written_is_not_published(self, pilot):
        release = drafting.draft_press_release(
            Programme.objects.get(slug=PILOT_SLUG), Milestone.SIGNING
        )

        with pytest.raises(ValidationError) as refusal:
            services.publish_press_release(release)

        assert refusal.value.code == "placeholder_left"
        release.refresh_from_db()
        assert release.status == PressReleaseStatus.DRAFT

        release.body = release.body.replace(str(QUOTE_PLACEHOLDER), "Een mooie dag.")
        release.save()
        services.publish_press_release(release)
        assert release.status == PressReleaseStatus.PUBLISHED

    def test_publishing_twice_and_unpublishing_a_draft_are_refused(self):
        release = published(make_programme())
        with pytest.raises(ValidationError):
            services.publish_press_release(release)

        services.unpublish_press_release(release)
        release.refresh_from_db()
        assert (release.status, release.published_at) == (PressReleaseStatus.DRAFT, None)
        with pytest.raises(ValidationError):
            services.unpublish_press_release(release)

    def test_a_published_release_can_be_corrected_but_not_emptied(self):
        release = published(make_programme(), body="Tekst met een fout.")

        release.body = "Tekst zonder fout."
        release.full_clean()
        release.save()
        release.body = ""
        with pytest.raises(ValidationError) as refusal:
            release.full_clean()

        assert "body" in refusal.value.error_dict
        assert release.history.filter(body="Tekst met een fout.").exists()


# --- The news page and the feed ---------------------------------------------------------------


@pytest.mark.django_db
class TestNewsPage:
    def test_published_releases_newest_first_with_dutch_dates_and_anchors(self, client):
        programme = make_programme()
        old = published(programme, title="Eerste bericht")
        old.published_at = timezone.make_aware(datetime.datetime(2020, 1, 15, 12))
        old.save()
        new = published(programme, title="Tweede bericht", milestone=Milestone.MIDTERM)
        new.published_at = timezone.make_aware(datetime.datetime(2021, 3, 2, 12))
        new.save()

        response = client.get(news_url(programme))

        html = response.content.decode()
        assert response.status_code == 200
        assert html.index("Tweede bericht") < html.index("Eerste bericht")
        assert f'id="bericht-{old.pk}"' in html and f'id="bericht-{new.pk}"' in html
        assert "15 januari 2020" in html and "2 maart 2021" in html
        assert f'type="application/atom+xml" href="{feed_url(programme)}"' in html
        assert old.get_absolute_url() == f"{news_url(programme)}#bericht-{old.pk}"

    def test_drafts_are_never_shown_not_even_to_staff(self, client, editor):
        programme = make_programme()
        PressRelease.objects.create(
            programme=programme, milestone=Milestone.SIGNING, title="Geheim concept", body="X"
        )

        for visitor in (Client(), editor):
            response = visitor.get(news_url(programme))
            assert response.status_code == 200
            assert "Geheim concept" not in response.content.decode()

    def test_an_empty_programme_says_so(self, client):
        programme = make_programme()

        response = client.get(news_url(programme))

        assert response.status_code == 200
        assert response.context["releases"] == []
        assert b"empty-state" in response.content

    def test_other_programmes_releases_are_not_shown(self, client):
        programme = make_programme()
        published(make_programme(slug="ander-programma"), title="Ander nieuws")

        assert "Ander nieuws" not in client.get(news_url(programme)).content.decode()

    def test_an_unknown_programme_is_a_404(self, client):
        assert client.get("/programmas/bestaat-niet/nieuws/").status_code == 404
        assert client.get("/programmas/bestaat-niet/nieuws/feed/").status_code == 404

    def test_an_illustrative_release_is_labelled(self, client):
        programme = make_programme()
        published(programme, is_illustrative=True)

        html = client.get(news_url(programme)).content.decode()

        assert 'data-notice="illustrative"' in html
        assert "tag-illustrative" in html

    def test_the_page_is_read_only(self, client):
        programme = make_programme()
        assert client.post(news_url(programme)).status_code == 405
        assert client.post(feed_url(programme)).status_code == 405


@pytest.mark.django_db
class TestFeed:
    def test_the_feed_parses_with_published_entries_only(self, client):
        programme = make_programme()
        first = published(programme, title="Eerste bericht")
        PressRelease.objects.create(
            programme=programme, milestone=Milestone.MIDTERM, title="Concept", body="X"
        )

        response = client.get(feed_url(programme))
        feed = feedparser.parse(response.content)

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert feed.feed.language == "nl"
        assert feed.feed.title.endswith(programme.name)
        assert feed.feed.link == f"http://testserver{news_url(programme)}"
        assert [entry.title for entry in feed.entries] == ["Eerste bericht"]
        entry = feed.entries[0]
        assert entry.link == f"http://testserver{first.get_absolute_url()}"
        assert entry.link.startswith("http://")
        assert "De tekst." in entry.summary

    def test_the_pilot_feed_with_a_published_draft(self, client, pilot):
        programme = Programme.objects.get(slug=PILOT_SLUG)
        release = drafting.draft_press_release(programme, Milestone.SIGNING)
        release.body = release.body.replace(str(QUOTE_PLACEHOLDER), "Een mooie dag.")
        release.save()
        services.publish_press_release(release)

        feed = feedparser.parse(client.get(feed_url(programme)).content)

        assert not feed.bozo
        assert [entry.title for entry in feed.entries] == [release.title]
        assert "2 oktober 2007" in feed.entries[0].summary


# --- The admin --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    def test_drafting_from_the_admin_opens_the_draft(self, editor, editor_user):
        programme = make_programme()
        signed_contract(programme, "Noordhoek")

        response = editor.post(
            reverse("admin:contracts_pressrelease_add"),
            {"programme": programme.pk, "milestone": Milestone.SIGNING},
        )

        release = PressRelease.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "admin:contracts_pressrelease_change", args=[release.pk]
        )
        assert release.status == PressReleaseStatus.DRAFT

    def test_drafting_a_milestone_without_data_shows_why(self, editor):
        programme = make_programme()

        response = editor.post(
            reverse("admin:contracts_pressrelease_add"),
            {"programme": programme.pk, "milestone": Milestone.FINAL},
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.non_field_errors()
        assert not PressRelease.objects.exists()

    def test_the_publish_button_refuses_an_empty_text_with_a_message(self, editor):
        release = PressRelease.objects.create(
            programme=make_programme(), milestone=Milestone.SIGNING, title="T", body=""
        )

        response = editor.post(
            reverse("admin:contracts_pressrelease_publish", args=[release.pk]), follow=True
        )

        messages = [(m.level_tag, m.tags) for m in response.context["messages"]]
        assert any("published_without_text" in tags for _level, tags in messages)
        release.refresh_from_db()
        assert release.status == PressReleaseStatus.DRAFT

    def test_publish_and_back_to_draft_buttons(self, editor, editor_user):
        release = PressRelease.objects.create(
            programme=make_programme(), milestone=Milestone.SIGNING, title="T", body="Tekst."
        )

        editor.post(reverse("admin:contracts_pressrelease_publish", args=[release.pk]))
        release.refresh_from_db()
        assert release.is_published and release.published_by == editor_user

        editor.post(reverse("admin:contracts_pressrelease_unpublish", args=[release.pk]))
        release.refresh_from_db()
        assert not release.is_published

    def test_the_buttons_take_post_only_and_the_right_to_change(self):
        release = PressRelease.objects.create(
            programme=make_programme(), milestone=Milestone.SIGNING, title="T", body="Tekst."
        )
        url = reverse("admin:contracts_pressrelease_publish", args=[release.pk])

        assert staff_client().post(url).status_code == 403
        release.refresh_from_db()
        assert not release.is_published

    def test_a_published_release_is_not_deleted(self, editor):
        release = published(make_programme())

        editor.post(
            reverse("admin:contracts_pressrelease_changelist"),
            {"action": "delete_selected", "_selected_action": [release.pk], "post": "yes"},
        )

        assert PressRelease.objects.filter(pk=release.pk).exists()

    def test_the_list_links_the_briefing_and_the_draft_form(self, editor):
        programme = make_programme()

        html = editor.get(reverse("admin:contracts_pressrelease_changelist")).content.decode()

        assert briefing_url(programme) in html
        assert reverse("admin:contracts_pressrelease_add") in html


# --- The briefing notes -----------------------------------------------------------------------


@pytest.mark.django_db
class TestBriefingAccess:
    def test_anonymous_visitors_and_team_members_get_no_briefing(self, client):
        programme = make_programme()
        contract = signed_contract(programme, "Noordhoek")
        member = team_member(contract.projects.first())

        for visitor in (Client(), personas.log_in(Client(), member)):
            response = visitor.get(briefing_url(programme))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))

    def test_staff_without_the_right_are_refused(self):
        programme = make_programme()
        assert staff_client().get(briefing_url(programme)).status_code == 403

    def test_a_programme_without_contracts_gets_a_message_not_a_pdf(self, editor):
        programme = make_programme()

        response = editor.get(briefing_url(programme), follow=True)

        assert response.redirect_chain[-1][0] == reverse("admin:contracts_pressrelease_changelist")
        assert any("briefing_empty" in m.tags for m in response.context["messages"])

    def test_an_unknown_programme_is_a_404(self, editor):
        response = editor.get(
            reverse("admin:contracts_pressrelease_briefing", kwargs={"slug": "bestaat-niet"})
        )
        assert response.status_code == 404


@pytest.mark.pdf
@pytest.mark.django_db
class TestBriefingPdf:
    def test_one_tagged_a4_page_per_wijk_of_the_pilot(self, editor, pilot, poppler, tmp_path):
        programme = Programme.objects.get(slug=PILOT_SLUG)

        response, path = pdf_reading.download(editor, briefing_url(programme), tmp_path / "b.pdf")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        info = pdf_info(path)
        assert "Tagged:          yes" in info
        assert "595.276 x 841.89 pts (A4)" in info
        assert page_count(path) == len(PILOT_WIJKEN)
        for number in range(1, len(PILOT_WIJKEN) + 1):
            page = flat(pdf_text(path, number))
            wijken_on_page = [wijk for wijk in PILOT_WIJKEN if wijk in page]
            assert len(wijken_on_page) >= 1, page
        text = flat(pdf_text(path))
        for wijk in PILOT_WIJKEN:
            assert wijk in text
        assert "2 oktober 2007" in text

    def test_the_facts_of_a_wijk(self, poppler, tmp_path, editor_user):
        programme = make_programme()
        FundFactory(
            name="Fonds 2020",
            programme=programme,
            total=Decimal("80000"),
            period_start=datetime.date(2020, 1, 1),
            period_end=datetime.date(2022, 1, 1),
        )
        contract = signed_contract(programme, "Noordhoek", projects=2)
        signed_contract(programme, "Zuidhoek", projects=1)

        path = tmp_path / "briefing.pdf"
        path.write_bytes(briefing.render_briefing(programme))

        assert page_count(path) == 2
        first = flat(pdf_text(path, 1))
        assert "Noordhoek" in first and "Zuidhoek" not in first
        assert "15 januari 2020" in first
        assert contract.title in first
        for project in contract.projects.all():
            assert project.title in first
        for wish in contract.wishes.all():
            assert wish.title in first
        assert "€ 0,00" in first  # nothing committed from the fund in this wijk yet
        assert "Zuidhoek" in flat(pdf_text(path, 2))


@pytest.mark.django_db
class TestKeyNextStep:
    def test_after_the_period_the_final_evaluation_is_the_key_step(self):
        contract = signed_contract(make_programme(), "Noordhoek")
        projects = list(contract.projects.all())

        _label, step = briefing.key_next_step(contract, projects, datetime.date(2023, 1, 1))

        assert "1 januari 2022" in step

    def test_during_the_period_a_delayed_project_comes_first(self, editor_user):
        contract = signed_contract(make_programme(), "Noordhoek")
        delayed = contract.projects.get(number=2)
        project_services.log_update(
            delayed,
            author=editor_user,
            date=timezone.localdate(),
            status=ProjectStatus.DELAYED,
            percent_complete=10,
            happened="Vertraging door de aannemer.",
            next_steps="Nieuwe aannemer in maart.",
            visibility="public",
        )
        projects = project_selectors.contract_projects(contract)

        _label, step = briefing.key_next_step(contract, projects, datetime.date(2021, 1, 1))

        assert delayed.title in step and "Nieuwe aannemer in maart." in step

    def test_otherwise_the_running_project_that_finishes_first(self):
        contract = signed_contract(make_programme(), "Noordhoek")
        projects = project_selectors.contract_projects(contract)
        first, second = projects
        first.planned_end, second.planned_end = datetime.date(2020, 9, 1), datetime.date(2020, 6, 1)

        _label, step = briefing.key_next_step(contract, projects, datetime.date(2020, 3, 1))

        assert second.title in step and "1 juni 2020" in step
