"""Clean text: no invisible control characters in any form, no direction characters in names.

**Control characters.** Every text field of every form (public, portal, admin, Django's own
login and password forms) refuses a control character (Unicode category Cc: U+0000–U+001F,
U+007F–U+009F) other than a tab and a line end, naming the field: "‘Titel’ bevat een
onzichtbaar stuurteken (U+0007). …". A line end is a line feed, or the carriage return and
line feed that browsers send from a textarea; a carriage return on its own is refused (no
output of ours treats it as a line end, and in a log or terminal it hides what came before).

Why here, and this way: a check that each form must remember is a check some form forgets,
and the admin's forms are made by Django. Django itself adds ProhibitNullCharactersValidator
to every forms.CharField; this does the same for the other control characters, at the same
place (forms.CharField, which every text, e-mail, URL and slug field and every model
CharField's and TextField's form field is), when the site starts (CommonConfig.ready). It is
done by wrapping CharField.clean rather than as a validator in the field's list because a
validator knows only the value, and the message must name the field: clean runs on the
form's own copy of the field, whose label the form may have set. It checks the value as
sent, before clean strips it, so a control character is refused wherever it stands. (Not
CharField.validate: fields override that to leave a check to a service, as the portal's
TextCheckedByService does, and would skip this with it.) The model fields are left alone,
so nothing of this enters the migrations. A field without a label gets the message without
a name.

**Direction characters.** Names and titles (of people, organisations, wijken, contracts,
wishes, projects, sections, rounds, funds and applications) refuse the characters that turn
or isolate the writing direction (U+202A–U+202E, U+2066–U+2069) and the invisible direction
marks (U+200E, U+200F, U+061C): in a name they can make "Stichting Buurt" show as something
else, or turn a file name's extension around. A field is marked as a name by having
`refuse_direction_characters` among its validators: on the model field (which the
migrations record, and which any full_clean checks), or on a plain form's field. A model
field's mark is carried over to its form field (models.CharField.formfield), so the form says
which field it is, in the same way as for control characters.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Control characters except tab (\x09), line feed (\x0a) and a carriage return before a
# line feed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
DIRECTION_CHARACTERS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def code_point(character):
    """U+0007, the way Unicode names a character."""
    return f"U+{ord(character):04X}"


def first_control_character(value):
    """The first control character in `value` that a form refuses, or None."""
    found = CONTROL_CHARACTERS.search(value)
    return found.group() if found else None


def first_direction_character(value):
    """The first direction character in `value`, or None."""
    found = DIRECTION_CHARACTERS.search(value)
    return found.group() if found else None


def refuse_direction_characters(value):
    """Validator of names and titles: no characters that change the writing direction."""
    if isinstance(value, str) and (error := direction_character_error(value, None)):
        raise error


# What each kind of character is called in a refusal: with the field's label, and without.
CONTROL_MESSAGES = (
    _(
        "‘%(label)s’ contains an invisible control character (%(character)s). "
        "Remove it and try again."
    ),
    _(
        "This field contains an invisible control character (%(character)s). Remove it "
        "and try again."
    ),
)
DIRECTION_MESSAGES = (
    _(
        "‘%(label)s’ contains an invisible character that changes the writing "
        "direction (%(character)s). Remove it and try again."
    ),
    _(
        "This contains an invisible character that changes the writing direction "
        "(%(character)s). Remove it and try again."
    ),
)


def _refusal(character, label, messages, code):
    """The ValidationError for `character` in a field named `label` (or unnamed)."""
    named, unnamed = messages
    params = {"character": code_point(character)}
    if label:
        return ValidationError(named, code=code, params={**params, "label": label})
    return ValidationError(unnamed, code=code, params=params)


def control_character_error(value, label):
    """The ValidationError for a control character in the text `value`, or None."""
    character = first_control_character(value)
    return character and _refusal(character, label, CONTROL_MESSAGES, "control_character")


def direction_character_error(value, label):
    """The ValidationError for a direction character in the name `value`, or None."""
    character = first_direction_character(value)
    return character and _refusal(character, label, DIRECTION_MESSAGES, "direction_character")


def _validate_clean_text(field, value):
    """What forms.CharField.clean checks first (see the module)."""
    if not isinstance(value, str):
        return  # e.g. a JSONField's parsed value
    label = field.label
    error = control_character_error(value, label)
    if error is None and refuse_direction_characters in field.validators:
        error = direction_character_error(value, label)
    if error is not None:
        raise error


_installed = False


def install():
    """Make every form's text fields check clean text (called once, at the site's start)."""
    global _installed
    if _installed:
        return
    _installed = True

    field_clean = forms.CharField.clean

    def clean(self, value):
        _validate_clean_text(self, value)
        return field_clean(self, value)

    forms.CharField.clean = clean

    model_formfield = models.CharField.formfield

    def formfield(self, **kwargs):
        field = model_formfield(self, **kwargs)
        if field is not None and refuse_direction_characters in self.validators:
            field.validators.append(refuse_direction_characters)
        return field

    models.CharField.formfield = formfield


# The validators of a name or title field (a list, as Field(validators=…) takes).
NAME_VALIDATORS = [refuse_direction_characters]
