"""The staff admin of the fund.

Every write that touches the ledger goes through `budget.services`: booking an allocation
(the add form), reducing, closing and paying it (forms on its page), and reviewing, deciding
and withdrawing an application (forms on its page). Allocations, payments, reviews and
decided applications are read-only otherwise; a refusal of a service is shown as an error
message (with its codes as tags) and nothing is written. Funds are set up by superusers.
"""

from budget.admin.applications import CriterionReviewAdmin, InitiativeApplicationAdmin
from budget.admin.ledger import AllocationAdmin, FundAdmin, PaymentAdmin

__all__ = [
    "AllocationAdmin",
    "CriterionReviewAdmin",
    "FundAdmin",
    "InitiativeApplicationAdmin",
    "PaymentAdmin",
]
