"""Template tags of the projects domain.

`{% load projects_tags %}` gives:
- `{{ projects|shows_illustrative }}`: whether any of these projects (or their lead partners)
  is demo data, for the notice;
- `{% contract_projects contract as projects %}`: the projects of a contract as its text
  describes them (chapter 2). The contract page is a `contracts` template, and the `contracts`
  app never imports `projects`; the template, which sits above both apps, asks for them here;
- `{% contract_contributions contract as contributions %}` and
  `{% programme_contributions programme as contributions %}`: what each partner contributes
  (projects.selectors.Contributions), for templates/projects/includes/contributions.html;
- `{% contract_evaluation contract as evaluation %}`: the contract's closed final evaluation,
  or None, for the outcome on the contract page.
"""

from django import template

from projects import selectors

register = template.Library()


@register.simple_tag
def contract_projects(contract):
    """The projects of `contract` with partners and wishes, numbered as in its text."""
    return selectors.contract_chapter_projects(contract)


@register.simple_tag
def contract_contributions(contract):
    """What each partner contributes to `contract` (projects.selectors.Contributions).

    The page asking has already decided that its visitor may read this contract (a draft is
    shown to staff only, as a concept), so its contributions are not filtered again.
    """
    if contract is None or contract.pk is None:
        return selectors.Contributions(rows=[])
    return selectors.contributions([contract], public_only=False)


@register.simple_tag
def programme_contributions(programme):
    """What each partner contributes to the public contracts of `programme`, counted (the
    compact table: a programme can have hundreds of contracts)."""
    return selectors.programme_contribution_counts(programme)


@register.simple_tag
def contract_evaluation(contract):
    """The closed final evaluation of `contract`, or None."""
    return selectors.published_evaluation(contract)


@register.filter
def shows_illustrative(projects):
    """Whether showing these projects shows demo data (their own flags or their lead's)."""
    return any(
        project.is_illustrative or project.lead_partner.is_illustrative for project in projects
    )
