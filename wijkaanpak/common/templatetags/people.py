"""Template filters about people, for every app's templates.

`{% load people %}` gives `{{ user|person_name }}`: the name to show for whoever wrote, handed in
or hid something. Records outlive accounts: pilot updates were loaded without an author and an
account may be deleted later, so a missing user must print a word, never break the page.
"""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def person_name(user):
    """The full name of `user`, else the user name; "unknown" when there is no account."""
    if user is None:
        return _("unknown")
    return user.get_full_name() or user.get_username()
