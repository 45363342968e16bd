"""Every historical model can be imported from the module it names (models packages too)."""

import importlib
import pickle

from django.apps import apps
from simple_history.models import registered_models


def test_each_historical_model_lives_in_the_module_it_names():
    historical = [
        model.history.model
        for model in registered_models.values()
        if model._meta.app_label in ("contracts", "projects", "budget")
    ]

    assert len(historical) >= 20
    for model in historical:
        module = importlib.import_module(model.__module__)
        assert getattr(module, model.__name__, None) is model, model.__name__


def test_a_historical_model_can_be_pickled():
    model = apps.get_model("contracts", "HistoricalContract")

    assert pickle.loads(pickle.dumps(model)) is model  # noqa: S301 (our own bytes)
