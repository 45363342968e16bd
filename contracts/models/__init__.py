"""The contract domain's models, one module per part; import them from here."""

from contracts.models.addenda import (
    Addendum,
    AddendumFrozen,
    AddendumQuerySet,
    AddendumSignatory,
)
from contracts.models.archive import (
    ArchivedDocumentError,
    ArchivedFileFields,
    ArchivedQuerySet,
    FinalDocument,
    SignedOriginal,
    SigningScan,
)
from contracts.models.contract import (
    CONTRACT_SIGNING_FIELDS,
    CONTRACT_TEXT_FIELDS,
    Contract,
    ContractFrozen,
    ContractPart,
    ContractPartQuerySet,
    ContractParty,
    ContractQuerySet,
    ContractSection,
    ContractStatusChange,
    ResidentWish,
    StandardSection,
    refuse_frozen_rows,
    refuse_if_frozen,
)
from contracts.models.distribution import Distribution, DistributionQuerySet
from contracts.models.places import District, Neighbourhood, NeighbourhoodQuerySet, Partner, SubArea
from wijkaanpak.common.history import historical_models_in_their_modules

historical_models_in_their_modules(
    Addendum,
    AddendumSignatory,
    Contract,
    ContractParty,
    ContractSection,
    District,
    Neighbourhood,
    Partner,
    ResidentWish,
    StandardSection,
    SubArea,
)

__all__ = [
    "CONTRACT_SIGNING_FIELDS",
    "CONTRACT_TEXT_FIELDS",
    "Addendum",
    "AddendumFrozen",
    "AddendumQuerySet",
    "AddendumSignatory",
    "ArchivedDocumentError",
    "ArchivedFileFields",
    "ArchivedQuerySet",
    "Contract",
    "ContractFrozen",
    "ContractPart",
    "ContractPartQuerySet",
    "ContractParty",
    "ContractQuerySet",
    "ContractSection",
    "ContractStatusChange",
    "Distribution",
    "DistributionQuerySet",
    "District",
    "FinalDocument",
    "Neighbourhood",
    "NeighbourhoodQuerySet",
    "Partner",
    "ResidentWish",
    "SignedOriginal",
    "SigningScan",
    "StandardSection",
    "SubArea",
    "refuse_frozen_rows",
    "refuse_if_frozen",
]
