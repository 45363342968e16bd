"""The password rule for staff: longer than the one for team members.

A staff account reaches the admin, so its password needs at least
settings.STAFF_PASSWORD_MIN_LENGTH (12) characters; Django's own validators (in
AUTH_PASSWORD_VALIDATORS) still apply to everyone, the list of common passwords included.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class StaffMinimumLengthValidator:
    """At least settings.STAFF_PASSWORD_MIN_LENGTH characters for a staff account or superuser.

    Django calls validators with the user when it has one (the admin's add and password forms,
    the password change and reset forms); a user that is not (yet) staff passes. The admin's
    user form shows the rule in its help text.
    """

    def __init__(self, min_length=None):
        self._min_length = min_length

    @property
    def min_length(self):
        return self._min_length or settings.STAFF_PASSWORD_MIN_LENGTH

    def validate(self, password, user=None):
        if user is None or not (user.is_staff or user.is_superuser):
            return
        if len(password) < self.min_length:
            raise ValidationError(
                _("A staff account's password must contain at least %(min_length)d characters."),
                code="staff_password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return _("A staff account's password must contain at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
