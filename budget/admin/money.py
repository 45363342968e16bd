"""Euros shown the Dutch way in the admin, as the council's papers write them: € 250.000,00."""

from projects.templatetags.projects_tags import euro


def euros(amount):
    """`amount` as "€ 1.234,56" through the site's one euro format; "-" for None."""
    return "-" if amount is None else euro(amount)
