"""The outbox in the admin: superusers see every mail with its errors and can requeue it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.mail import EmailMessage
from django.urls import reverse
from post_office.models import STATUS, Email, Log

from tests.factories import UserFactory
from wijkaanpak.common import mail
from wijkaanpak.common.groups import BUDGET_MANAGERS, ensure_groups

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:post_office_email_changelist")


def failed_mail():
    [queued] = mail.queue(
        EmailMessage(subject="Besluit IA-2026-0001", body="Tekst", to=["anna@example.org"])
    )
    Email.objects.filter(pk=queued.pk).update(status=STATUS.failed, number_of_retries=48)
    Log.objects.create(
        email=queued,
        status=STATUS.failed,
        exception_type="ConnectionRefusedError",
        message="[Errno 111] Connection refused",
    )
    return Email.objects.get(pk=queued.pk)


def test_superusers_see_the_outbox_with_the_error(client, superuser):
    outbox_mail = failed_mail()
    client.force_login(superuser)

    listing = client.get(CHANGELIST, {"status__exact": STATUS.failed})
    detail = client.get(reverse("admin:post_office_email_change", args=[outbox_mail.pk]))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [outbox_mail]
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Connection refused" in html
    assert 'name="_save"' not in html  # read-only
    assert reverse("admin:resend", args=[outbox_mail.pk]) in html
    assert client.get(reverse("admin:post_office_email_add")).status_code == 403
    delete = reverse("admin:post_office_email_delete", args=[outbox_mail.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Email.objects.filter(pk=outbox_mail.pk).exists()


@pytest.mark.parametrize("group", [BUDGET_MANAGERS, None])
def test_other_staff_do_not_see_the_outbox(client, group):
    # It holds every mail's text, password-reset links included.
    user = UserFactory(is_staff=True)
    if group:
        ensure_groups()
        user.groups.add(Group.objects.get(name=group))
    # Even with every permission of the outbox's models granted by hand.
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="post_office"))
    outbox_mail = failed_mail()
    client.force_login(user)

    assert client.get(CHANGELIST).status_code == 403
    assert (
        client.get(reverse("admin:post_office_email_change", args=[outbox_mail.pk])).status_code
        == 403
    )
    assert client.post(reverse("admin:resend", args=[outbox_mail.pk])).status_code == 403
    index = client.get(reverse("admin:index"))
    assert CHANGELIST not in index.content.decode()
    assert Email.objects.get(pk=outbox_mail.pk).status == STATUS.failed


def test_the_requeue_action_puts_failed_mail_back_with_its_retries_reset(
    client, superuser, deliver_mail
):
    outbox_mail = failed_mail()
    client.force_login(superuser)

    response = client.post(CHANGELIST, {"action": "requeue", "_selected_action": [outbox_mail.pk]})

    assert response.status_code == 302
    outbox_mail.refresh_from_db()
    assert (outbox_mail.status, outbox_mail.number_of_retries) == (STATUS.queued, 0)
    [delivered] = deliver_mail()
    assert delivered.to == ["anna@example.org"]


def test_resend_requeues_on_post_only_and_sends_nothing_in_the_request(
    client, superuser, mailoutbox
):
    outbox_mail = failed_mail()
    client.force_login(superuser)
    url = reverse("admin:resend", args=[outbox_mail.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:post_office_email_change", args=[outbox_mail.pk])
    outbox_mail.refresh_from_db()
    assert outbox_mail.status == STATUS.queued
    assert mailoutbox == []
