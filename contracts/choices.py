"""Status enums and choice lists of the contract domain, with the contract lifecycle table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    HOUSING_CORPORATION = "housing_corporation", _("housing corporation")
    POLICE = "police", _("police")
    WELFARE = "welfare", _("welfare")
    MAINTENANCE = "maintenance", _("maintenance")
    RESIDENTS_COUNCIL = "residents_council", _("residents' council")
    SCHOOL = "school", _("school")
    BUSINESS = "business", _("business")
    OTHER = "other", _("other")


class WishSource(models.TextChoices):
    SURVEY = "survey", _("survey")
    WALK = "walk", _("walk through the neighbourhood")
    RESIDENTS_EVENING = "residents_evening", _("residents' evening")
    RESIDENTS_COUNCIL = "residents_council", _("residents' council")
    OTHER = "other", _("other")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    READY_FOR_SIGNING = "ready_for_signing", _("ready for signing")
    SIGNED = "signed", _("signed")
    COMPLETED = "completed", _("completed")


# The only status changes there are. A change goes through contracts.services.change_status,
# except the step to "signed": only contracts.services.register_signing takes that one.
CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.READY_FOR_SIGNING}),
    ContractStatus.READY_FOR_SIGNING: frozenset({ContractStatus.DRAFT, ContractStatus.SIGNED}),
    ContractStatus.SIGNED: frozenset({ContractStatus.COMPLETED}),
    ContractStatus.COMPLETED: frozenset(),
}

# From "ready for signing" on, the text, the parties and the wishes no longer change.
FROZEN_STATUSES = frozenset(
    {ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED, ContractStatus.COMPLETED}
)

# Residents read contracts in these statuses; drafts are for staff only.
PUBLIC_STATUSES = FROZEN_STATUSES


class AddendumKind(models.TextChoices):
    PARTNER_JOINS = "partner_joins", _("a partner joins")
    PROJECT_ADDED = "project_added", _("a project is added")
    PROJECT_ENDED = "project_ended", _("a project ends")
    OTHER = "other", _("other change")


class AddendumStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    READY_FOR_SIGNING = "ready_for_signing", _("ready for signing")
    SIGNED = "signed", _("signed")


class DistributionStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Milestone(models.TextChoices):
    """The milestones of a programme that the press hears about."""

    SIGNING = "signing", _("signing of the contracts")
    MIDTERM = "midterm", _("midterm review")
    FINAL = "final", _("final evaluation")


class PressReleaseStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
