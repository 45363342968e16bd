"""Template tags of the projects domain.

`{% load projects_tags %}` gives:
- `{{ amount|euro }}`: a euro amount Dutch style, "€ 12.500,00" (house style for money);
- `{{ projects|shows_illustrative }}`: whether any of these projects (or their lead partners)
  is demo data, for the notice;
- `{% contract_projects contract as projects %}`: the projects of a contract as its text
  describes them (chapter 2). The contract page is a `contracts` template, and the `contracts`
  app never imports `projects`; the template, which sits above both apps, asks for them here.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from projects import selectors

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def euro(value):
    """Format an amount in euros the Dutch way: € 12.500,00.

    Templates wrap it in `<span class="text-nowrap">` so it never breaks over two lines. The
    format is the same in every language of the site: it is how the amounts were agreed.
    Empty values give an empty string; anything that is not a number is returned unchanged.
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return value
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"€ {sign}{grouped},{cents}"


@register.simple_tag
def contract_projects(contract):
    """The projects of `contract` with partners and wishes, numbered as in its text."""
    return selectors.contract_chapter_projects(contract)


@register.filter
def shows_illustrative(projects):
    """Whether showing these projects shows demo data (their own flags or their lead's)."""
    return any(
        project.is_illustrative or project.lead_partner.is_illustrative for project in projects
    )
