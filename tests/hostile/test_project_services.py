"""Hostile text handed straight to the services of projects and contracts that take what
people type (an update, hiding one, an invitation, an addendum): the only outcomes are
success or a ValidationError, and a refusal writes nothing."""

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from contracts import services as contract_services
from contracts.choices import AddendumKind
from projects import invitations, services
from tests.factories import progress_update, team_member
from tests.hostile.strategies import (
    example,
    examples,
    hostile_text,
    refused_or_done,
    short_text,
    state,
)

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
LOG_UPDATE_EXAMPLES = 30
HIDE_UPDATE_EXAMPLES = 20
INVITE_EXAMPLES = 30
ADDENDUM_EXAMPLES = 20

TEXT = hostile_text()


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid", email="teamlid@example.org")


@given(happened=TEXT, next_steps=TEXT, percent=st.integers(-(10**20), 10**20))
@examples(LOG_UPDATE_EXAMPLES)
def test_log_update_saves_or_refuses(project, member, happened, next_steps, percent):
    with example():
        before = state()
        refused_or_done(
            lambda: services.log_update(
                project,
                author=member,
                date=timezone.localdate(),
                status=project.status,
                percent_complete=percent,
                happened=happened,
                next_steps=next_steps,
            ),
            before,
        )


@pytest.fixture
def update(project, member):
    return progress_update(project, member, "Het hek staat er")


@given(reason=TEXT)
@examples(HIDE_UPDATE_EXAMPLES)
def test_hide_update_hides_or_refuses(update, editor_user, reason):
    with example():
        before = state()
        refused_or_done(
            lambda: services.hide_update(update, user=editor_user, reason=reason), before
        )


@given(
    name=TEXT,
    email=st.one_of(TEXT, st.emails().map(str), st.builds("{}@example.org".format, short_text())),
    role=st.one_of(st.just("member"), short_text()),
)
@examples(INVITE_EXAMPLES)
def test_invite_invites_or_refuses(project, editor_user, name, email, role):
    """What the invitation form hands on: an invitation with its mail, or refused."""
    with example():
        before = state()
        refused_or_done(
            lambda: invitations.invite(
                project, email=email, name=name, role=role, user=editor_user
            ),
            before,
        )


@given(
    title=TEXT,
    body=TEXT,
    place=TEXT,
    kind=st.one_of(st.sampled_from(AddendumKind.values), short_text()),
)
@examples(ADDENDUM_EXAMPLES)
def test_create_addendum_drafts_or_refuses(project, title, body, place, kind):
    with example():
        before = state()
        refused_or_done(
            lambda: contract_services.create_addendum(
                project.contract, kind=kind, title=title, body=body, signing_place=place
            ),
            before,
        )
