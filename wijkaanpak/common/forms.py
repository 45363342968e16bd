"""What the apps' forms share."""


def add_service_errors(form, error):
    """Put a service's ValidationError on the form: at its field where it names one the form
    has, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
