"""Template filters for money, for every app's templates.

`{% load money %}` gives `{{ amount|euro }}`: a euro amount Dutch style, "€ 12.500,00" (house
style for money), through :func:`wijkaanpak.common.money.format_euro`. Templates wrap it in
`<span class="text-nowrap">` so it never breaks over two lines.
"""

from django import template

from wijkaanpak.common.money import format_euro

register = template.Library()


@register.filter
def euro(value):
    """`value` in euros the Dutch way; "" when empty, unchanged when it is not a number."""
    return format_euro(value)
