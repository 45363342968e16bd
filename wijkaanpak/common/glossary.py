"""The words of the neighbourhood approach that residents may not know, explained.

The glossary page (/begrippen/) lists every term with its explanation in the visitor's
language; each term's anchor is its Dutch word (/begrippen/#trekker), so links stay the same
in every language. Pages link a term where it appears: a label through `{% term %}`, running
text (a contract's sections, a project's description) through `|explain_terms`, which links
the first mention of each term that `in_text` marks (see templatetags/glossary.py).

Ground floor: imports no app; the terms are the approach's own, not one municipality's.
"""

import re
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    # The Dutch word, as residents meet it; also the anchor on the glossary page.
    word: str
    # The English word for it, shown (as English) to readers of the English pages.
    english: str
    explanation: str
    # The forms in which running Dutch text uses it ("laagdrempelige"); linked where the
    # text mentions the term first. Empty: the word is too common in the texts to link
    # every time (the pages link its heading or label instead).
    forms: tuple = ()

    @property
    def slug(self):
        return re.sub(r"[^a-z0-9]+", "-", self.word.lower()).strip("-")


TERMS = [
    Term(
        "wijkaanpak",
        "neighbourhood approach",
        _(
            "The way the municipality works on each neighbourhood with its residents and "
            "partners: residents say what they want, the partners agree in a neighbourhood "
            "contract what they will do about it, and report how it goes."
        ),
    ),
    Term(
        "wijk",
        "neighbourhood",
        _(
            "A part of the city with its own residents' council. A neighbourhood can consist "
            "of several smaller areas (buurten)."
        ),
    ),
    Term(
        "stadsdeel",
        "district",
        _("A large part of the city that contains several neighbourhoods."),
    ),
    Term(
        "wijkcontract",
        "neighbourhood contract",
        _(
            "The written agreement between the residents, the municipality and its partners "
            "about what they will do in a neighbourhood during a set period. The partners "
            "sign it, which makes the promises binding."
        ),
    ),
    Term(
        "bewonerswens",
        "residents' wish",
        _(
            "Something residents asked for in their neighbourhood: in a survey, during a walk "
            "through the neighbourhood or at a residents' evening. The projects of the "
            "contract answer these wishes."
        ),
    ),
    Term(
        "trekker",
        "lead partner",
        _(
            "The partner that leads a project: it brings the others together, keeps track of "
            "the work and reports on its progress. Residents with a question about a project "
            "can ask its lead partner."
        ),
        ("trekker", "trekkers"),
    ),
    Term(
        "deelnemende partner",
        "participating partner",
        _(
            "An organisation that contributes to a project besides the lead partner: with "
            "hours, money or in kind."
        ),
        ("deelnemende partner", "deelnemende partners"),
    ),
    Term(
        "in natura",
        "in kind",
        _(
            "Given as goods or services instead of money: a room to meet in, materials, or "
            "staff who do the work."
        ),
        ("in natura",),
    ),
    Term(
        "wijkbudget",
        "neighbourhood fund",
        _(
            "The money the municipality set aside for the neighbourhood approach: for "
            "organising and introducing it, and for initiatives that residents start "
            "themselves and that no other budget pays for."
        ),
        ("wijkbudget",),
    ),
    Term(
        "bewonersinitiatief",
        "residents' initiative",
        _(
            "An activity, measure or facility that residents think of and help carry out "
            "themselves. It can get money from the neighbourhood fund when it fits the "
            "neighbourhood contract and no other budget pays for it."
        ),
        ("bewonersinitiatief", "bewonersinitiatieven"),
    ),
    Term(
        "zelfwerkzaamheid",
        "residents' own work",
        _(
            "Work that residents do themselves, unpaid, for their initiative: organising, "
            "building, cooking, tidying up."
        ),
        ("zelfwerkzaamheid",),
    ),
    Term(
        "laagdrempelig",
        "easy to access",
        _(
            "Easy to walk into or take part in: free or cheap, close by, no need to sign up, "
            "and everyone is welcome."
        ),
        ("laagdrempelig", "laagdrempelige", "laagdrempeliger"),
    ),
    Term(
        "wijkraad",
        "residents' council",
        _(
            "An association of residents that speaks for the neighbourhood to the "
            "municipality. In the neighbourhood approach it is one of the parties that sign "
            "the contract."
        ),
    ),
    Term(
        "wijkschouw",
        "neighbourhood walk",
        _(
            "A walk through the neighbourhood with residents, the municipality and partners, "
            "to see together what is good and what needs to change."
        ),
        ("wijkschouw", "wijkschouwen"),
    ),
    Term(
        "woningcorporatie",
        "housing corporation",
        _(
            "A non-profit organisation that owns and lets social housing; in many "
            "neighbourhoods one of the partners."
        ),
        ("woningcorporatie", "woningcorporaties"),
    ),
    Term(
        "projectteam",
        "project team",
        _(
            "The people of the partners, often together with residents, who carry out the "
            "projects of a neighbourhood and report on their progress."
        ),
    ),
    Term(
        "tussenevaluatie",
        "midterm review",
        _(
            "Halfway through the contract every project team reports what has been achieved, "
            "what went differently from the plan and why, and what comes next."
        ),
        ("tussenevaluatie",),
    ),
    Term(
        "addendum",
        "addendum",
        _(
            "A change to a contract after it was signed, for instance when a partner joins or "
            "a project is added. It is signed too; the original contract stays as it was."
        ),
        ("addendum", "addenda"),
    ),
]
BY_SLUG = {term.slug: term for term in TERMS}


def sorted_terms():
    """Every term, alphabetically by its Dutch word (the anchors residents look up)."""
    return sorted(TERMS, key=lambda term: term.word)


def get_term(slug):
    """The term with this anchor; a KeyError for an unknown one, so a typo in a template
    fails the page's tests instead of linking nowhere."""
    return BY_SLUG[slug]


TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")
MENTIONS = re.compile(
    r"(?<![\w-])("
    + "|".join(
        re.escape(form)
        for form in sorted((form for term in TERMS for form in term.forms), key=len, reverse=True)
    )
    + r")(?![\w-])",
    re.IGNORECASE,
)
FORM_OF = {form.lower(): term for term in TERMS for form in term.forms}


def link_mentions(html, url):
    """`html` (already escaped, with tags) with the first mention of each term linked to its
    explanation at `url`#slug. Text inside a link, or in a tag, is left alone."""
    linked, parts, in_link = set(), [], False

    def link(match):
        term = FORM_OF[match.group(1).lower()]
        if term.slug in linked:
            return match.group(0)
        linked.add(term.slug)
        return format_html('<a class="term" href="{}#{}">{}</a>', url, term.slug, match.group(1))

    for part in TAG_OR_TEXT.split(html):
        tag = TAG_NAME.match(part)
        if tag:
            if tag.group(2).lower() == "a":
                in_link = not tag.group(1)
            parts.append(part)
        elif part.startswith("<") or in_link:
            parts.append(part)
        else:
            parts.append(MENTIONS.sub(link, part))
    return "".join(parts)
