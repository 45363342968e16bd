"""What the apps' forms share."""


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
