"""Choice lists of the fund."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    ORGANISATION = "organisation", _("organisation and introduction")
    INITIATIVES = "initiatives", _("resident initiatives")


class AllocationStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("in review")
    GRANTED = "granted", _("granted")
    PARTLY_GRANTED = "partly_granted", _("partly granted")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


# The only status changes of an application; a decision is final.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.IN_REVIEW, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.IN_REVIEW: frozenset(
        {
            ApplicationStatus.GRANTED,
            ApplicationStatus.PARTLY_GRANTED,
            ApplicationStatus.REFUSED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.GRANTED: frozenset(),
    ApplicationStatus.PARTLY_GRANTED: frozenset(),
    ApplicationStatus.REFUSED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}

DECIDED_STATUSES = frozenset(
    {ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED, ApplicationStatus.REFUSED}
)
GRANTED_STATUSES = frozenset({ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED})


class Criterion(models.TextChoices):
    """The three criteria of the council note, checked for every application."""

    FITS_CONTRACT = "fits_contract", _("fits the neighbourhood contract (names a wish or project)")
    NO_OTHER_BUDGET = "no_other_budget", _("cannot be paid from another budget")
    OWN_INITIATIVE = "own_initiative", _("residents' own initiative and/or own work")
