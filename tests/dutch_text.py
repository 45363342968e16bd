"""What a Dutch page must not show: English left over from a missing translation, and dates
and amounts written the computer's way (2007-10-02, 95000.00, € 500.00).

`problems(html)` reads the text a visitor sees or hears: the text of the page and the
attributes a browser shows or reads out (title, alt, aria-label, placeholder, the value of a
button). It leaves out what is no prose of the site: scripts, styles, <template>s, code
(<code>, <pre>, <kbd>, <samp>), what a form field holds (its value, a textarea's content: an
ISO date is the date widget's own value) and every element marked as another language
(lang="en": the language switch names English in English). Each exception is listed in
ALLOWED below with its reason.
"""

import re
from html.parser import HTMLParser

# English words and phrases of Django's admin and of this site that Dutch pages never need.
# Matched as whole words, with their capitals. Words that are Dutch too are not here:
# "Filter", "Status", "Type", "Project", "Partner", "Contract", "Budget", "Team", "Home",
# "Download", "Register", "is", "of".
ENGLISH = [
    "Add another",
    "Add",
    "Save and",
    "Save",
    "Choose all",
    "Remove all",
    "Remove",
    "Show all",
    "Show",
    "Hide",
    "Clear selection",
    "Select all",
    "Search",
    "Delete",
    "History",
    "Change",
    "View on site",
    "View",
    "Yes",
    "No",
    "None",
    "Unknown",
    "Today",
    "Tomorrow",
    "Yesterday",
    "Now",
    "Midnight",
    "Noon",
    "Any date",
    "Past 7 days",
    "This month",
    "This year",
    "Choose a date",
    "Choose a time",
    "Calendar",
    "Cancel",
    "Close",
    "Back",
    "Next",
    "Previous",
    "Submit",
    "Edit",
    "Action",
    "Actions",
    "Go",
    "Run",
    "selected",
    "Results",
    "result",
    "results",
    "Recent actions",
    "My actions",
    "Log out",
    "Log in",
    "Welcome",
    "Password",
    "Username",
    "Documentation",
    "Change password",
    "Are you sure",
    "Please correct",
    "This field is required",
    "Enter a valid",
    "Page not found",
    "Server error",
    "Required",
    "optional",
    "Download the",
    "Signed",
    "Draft",
    "Ready for signing",
    "Completed",
    "On schedule",
    "Delayed",
    "Done",
    "Cancelled",
    "Planned",
    "Granted",
    "Refused",
    "Withdrawn",
    "Submitted",
    "In review",
    "Lead partner",
    "Neighbourhood",
    "Neighbourhoods",
    "the",
    "and",
    "with",
    "for",
    "to",
    "from",
    "by",
    "this",
    "Created",
    "Changed",
    "Deleted",
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
    "historical",
    "Priority",
    "Subject",
    "Message",
    "Sent",
    "Failed",
    "failed",
    "queued",
    "requeued",
    "Email",
    "Emails",
    "Attachment",
    "Attachments",
    "Content",
    "Languages",
    "Description",
    "Name",
    "Date",
    "Time",
    "Comment",
    "User",
    "Users",
    "Groups",
    "Permissions",
    "Logs",
    "Date:",
    "Time:",
    "a.m.",
    "p.m.",
]
ENGLISH_PATTERN = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(phrase) for phrase in sorted(ENGLISH, key=len, reverse=True))
    + r")(?![\w-])"
)

# A date as the computer writes it; a Dutch page writes "2 oktober 2007" (or 02-10-2007 in a
# form field, which is a value and not read here).
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
# Amounts with a decimal point or an English thousands comma: "95000.00", "€ 500.00",
# "€ 250,000", "12.50%". Dutch writes "€ 95.000,00"; a paragraph number "1.5" is fine.
ENGLISH_NUMBER = re.compile(
    r"(?:€|EUR)\s?-?\d[\d,]*\.\d{1,2}(?!\d|[.,]\d)"
    r"|(?:€|EUR)\s?-?\d{1,3}(?:,\d{3})+(?!\d|[.,]\d)"
    r"|(?<![\d.,])\d{3,}\.\d{2}(?!\d|[.,]\d)"
    r"|(?<![\d.,])\d+\.\d{1,2}\s?%"
)

# What looks like a problem and is not, each with the reason. A match inside one of these is
# left alone.
ALLOWED = {
    # A file's name or path: "contracts/signed/2007-10-02.pdf", "backup 2026-11-30/".
    "file name or path": re.compile(r"\S*(?:/\S*|\.(?:pdf|csv|json|zip|png|jpe?g|txt))(?!\w)"),
    # A web address the page prints for people to type (leaflet, e-mail): its words are part
    # of the address.
    "web address": re.compile(r"\b(?:https?://|www\.)\S+"),
    # An e-mail address.
    "e-mail address": re.compile(r"\S+@\S+\.\w+"),
    # A SHA-256 fingerprint (64 hexadecimal digits), also when shown in groups.
    "fingerprint": re.compile(r"\b[0-9a-f]{64}\b|\b(?:[0-9a-f]{4,8}[ :]){7,}[0-9a-f]{4,8}\b"),
    # The name of the software in the admin's title, and the health check's JSON keys.
    "product name": re.compile(r"\bDjango\b|\bWijkaanpak\b"),
}

SKIPPED_ELEMENTS = {
    "script",
    "style",
    "template",
    "code",
    "pre",
    "kbd",
    "samp",
    "textarea",
    "svg",
    "math",
}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "aria-description", "placeholder")
BUTTON_TYPES = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """The texts of a page a visitor sees or hears, each as (where, text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        # One entry per open element: (tag, whether its content is read).
        self.stack = []

    @property
    def reading(self):
        return all(read for _tag, read in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        language = (attrs.get("lang") or "").lower()
        read = tag not in SKIPPED_ELEMENTS and not (language and not language.startswith("nl"))
        if self.reading and read:
            for name in SHOWN_ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append((f"<{tag} {name}>", attrs[name]))
            is_button = tag == "input" and (attrs.get("type") or "").lower() in BUTTON_TYPES
            if is_button and attrs.get("value"):
                self.texts.append((f"<{tag} value>", attrs["value"]))
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, read))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        # Close up to the matching element: HTML lets some end tags (</p>, </li>) be left out.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if self.reading and data.strip():
            tag = self.stack[-1][0] if self.stack else "document"
            self.texts.append((f"<{tag}>", " ".join(data.split())))


def visible_texts(page_html):
    parser = VisibleText()
    parser.feed(page_html)
    parser.close()
    return parser.texts


def _allowed_spans(text):
    return [match.span() for pattern in ALLOWED.values() for match in pattern.finditer(text)]


def _findings(pattern, text):
    allowed = _allowed_spans(text)
    return [
        match.group(0)
        for match in pattern.finditer(text)
        if not any(start <= match.start() and match.end() <= end for start, end in allowed)
    ]


def problems(page_html):
    """Every English leftover, ISO date and English-style amount in the visible text of a
    Dutch page, as (kind, what was found, where, the text around it)."""
    found = []
    for where, text in visible_texts(page_html):
        for kind, pattern in (
            ("English", ENGLISH_PATTERN),
            ("ISO date", ISO_DATE),
            ("English number", ENGLISH_NUMBER),
        ):
            for hit in _findings(pattern, text):
                found.append((kind, hit, where, text[:120]))
    return found
