"""Links to the glossary (/begrippen/), for every app's templates.

`{% load glossary %}` gives:

- `{% term "trekker" label %}`: `label` (or the Dutch word) as a link to the term's
  explanation; an unknown term is an error, never a dead link.
- `{{ text|linebreaks|explain_terms }}`: running Dutch text with the first mention of each
  term that may be linked in text (wijkaanpak.common.glossary.Term.forms) linked to its
  explanation. Plain text is escaped first.
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from wijkaanpak.common import glossary

register = template.Library()


@register.simple_tag
def term(slug, label=None):
    found = glossary.get_term(slug)
    return format_html(
        '<a class="term" href="{}#{}">{}</a>', reverse("glossary"), found.slug, label or found.word
    )


@register.filter(needs_autoescape=True)
def explain_terms(value, autoescape=True):
    text = conditional_escape(value) if autoescape else str(value)
    return mark_safe(glossary.link_mentions(str(text), reverse("glossary")))  # noqa: S308 (escaped above)
