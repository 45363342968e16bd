"""The staff admin of the contract domain; each module registers its admins on import."""

from contracts.admin import addenda, contract, distribution, geography, programmes  # noqa: F401
