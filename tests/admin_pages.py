"""For the admin tests of every app: the messages a request left for the user, and what the
change forms post."""

from django.contrib import messages
from django.contrib.messages import get_messages


def messages_of(response):
    """(level, set of tags, text) of each message the request left for the user."""
    return [
        (message.level, set(message.extra_tags.split()), str(message))
        for message in get_messages(response.wsgi_request)
    ]


def levels(response):
    return [level for level, _tags, _text in messages_of(response)]


def error_tags(response):
    """The tags of each error message (earlier, unread success messages are left out)."""
    return [tags for level, tags, _text in messages_of(response) if level == messages.ERROR]


def management(prefix, total, initial=0):
    """The management form of the inline formset `prefix`."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def contract_fields(contract):
    """The contract's own fields as its change form posts them, saved unchanged ("save and
    continue editing"); the inlines are the caller's."""
    return {
        "neighbourhood": str(contract.neighbourhood_id),
        "title": contract.title,
        "motto": contract.motto,
        "period_start": contract.period_start.isoformat(),
        "period_end": contract.period_end.isoformat(),
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else "",
        "signing_place": contract.signing_place,
        "_continue": "1",
    }
