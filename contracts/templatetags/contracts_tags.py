"""Template tags of the contract domain.

`{% load contracts_tags %}` gives `{% signed_addenda contract as addenda %}`: the signed
addenda of a contract in their order, for the contract page (residents never see drafts).
"""

from django import template

from contracts.models import Addendum

register = template.Library()


@register.simple_tag
def signed_addenda(contract):
    """The signed addenda of `contract`, by number; none for a contract without a pk."""
    if contract is None or contract.pk is None:
        return Addendum.objects.none()
    return Addendum.objects.filter(contract_id=contract.pk).signed().order_by("number")
