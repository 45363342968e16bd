"""What the apps' forms share."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator


def add_service_errors(form, error):
    """Put a service's ValidationError on the form: at its field where it names one the form
    has, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# The most digits a primary key can have (a 64-bit integer has 19).
ID_DIGITS = 19


def parse_id(value):
    """The whole number `value` (a form's or query string's text) names, or None.

    Only ASCII digits count: str.isdigit() says yes to "²" and "٣", which int() or the
    database refuse, and to thousands of digits, which int() refuses too."""
    text = value if isinstance(value, str) else ""
    if not text or len(text) > ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def text_problems(model, **texts):
    """What the database cannot store of `texts` (field name → text) in `model`'s fields, as
    ValidationErrors by field: a NUL character, which PostgreSQL refuses, and more characters
    than the field holds. For services that write text a form did not check (the forms'
    own fields refuse both); the model's other validators are full_clean's."""
    errors = {}
    for name, value in texts.items():
        field = model._meta.get_field(name)
        validators = [ProhibitNullCharactersValidator()]
        if field.max_length is not None:
            validators.append(MaxLengthValidator(field.max_length))
        for validator in validators:
            try:
                validator(value or "")
            except ValidationError as error:
                errors[name] = error
                break
    return errors
