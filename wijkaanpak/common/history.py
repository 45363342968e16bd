"""Where the historical models of django-simple-history live, for apps with a models package."""


def historical_models_in_their_modules(*models):
    """Give each model's historical model (where it has one) the model's own module as its module.

    For a model in a models package, django-simple-history puts the historical model in the
    model's module but names the app's package as its module, from which it cannot be
    imported (Django's shell reports each one, and pickle would fail).
    """
    for model in models:
        history = getattr(model, "history", None)
        if history is not None:
            history.model.__module__ = model.__module__
