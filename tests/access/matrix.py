"""The permission matrix: every URL pattern of the URLconf, the outcome of a GET for each
persona, and the Markdown file that holds the expected outcomes (tests/access_policy.md).

`pytest tests/access/test_matrix.py --record-access-policy` writes the file from what the
code does now; review its diff: the file is the policy, the code follows it.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.personas import PERSONAS

POLICY_FILE = Path(__file__).resolve().parent.parent / "access_policy.md"

LOGIN = "login"
REDIRECT = "302"
OUTCOMES = ("200", LOGIN, "403", "404", "405", REDIRECT)

HEADER = """\
# Access policy

Who may open which page: one row per URL pattern of the whole URLconf (the admin included),
one column per persona. This table is the product's access policy; the test
`tests/access/test_matrix.py` requests every cell with a GET on the Haarlem pilot data and
fails on any difference, and on a URL pattern without a row (or a row without a pattern).

## The policy

- Residents (anonymous) read the public pages: published contracts (ready for signing and
  later), their projects, public progress updates, signed addenda, the fund's account, and
  apply for a grant. Drafts, internal and hidden updates are not public.
- The project teams' portal (`/team/`) needs a login. A team member sees and reports on the
  projects of their own teams only; another team's project is a 404 (the portal does not tell
  outsiders which projects exist).
- Staff rights come from Django permissions given by the groups in
  `wijkaanpak/common/groups.py`, never from "is staff" alone:
  - drafts of contracts: `contracts.view_contract` (editors and budget managers);
    unsigned addenda: `contracts.view_addendum` (editors);
  - every project in the portal, draft projects: `projects.view_project`; internal and
    hidden updates and their attachments: `projects.view_progressupdate`; posting progress
    to any project: `projects.change_project` (all three: editors);
  - admin pages: the model's view/change/add/delete permission.
- The user admin: superusers see every account; anyone else with a right on users (the
  editors, who pick team members) sees team accounts only, and a staff account's pages
  answer 403 to them, so no staff member's e-mail address is shown to them.
- The outbox (`post_office`) is for superusers only: it holds every mail's text.

## Personas

| column | who |
|---|---|
| anonymous | no login |
| team-A | `team-{wijk_a}`: a team member of every project of wijk A ({wijk_a}) |
| team-B | `team-{wijk_b}`: a team member of every project of wijk B ({wijk_b}) |
| redacteur | group Redacteuren (editors), staff |
| budgetbeheerder | group Budgetbeheerders (budget managers), staff |
| superuser | a superuser |

Objects in the URLs are of wijk A where they belong to a wijk (so that team-B's column shows
the refusal); which object each pattern gets is chosen in `tests/access/arguments.py`.

## Legend

- `200`: the page (or file) is shown.
- `login`: a redirect to a login page (the admin's or the portal's).
- `403`: refused: logged in, but without the right.
- `404`: not found: the persona may not know that the object exists.
- `405`: the URL takes no GET: logging out is POST only (it changes the session), and so are
  the admin's actions that change a record without a form page of their own.
- `302`: a redirect elsewhere, not to a login page: the language switch (back to the page); a
  password-reset link (to its form, so that the token leaves the address bar); a login page to
  who is logged in already (on to the portal or the admin); the admin's log-out to who is not
  staff (to the admin's home, which asks for a login); the admin's "view on site" (to the
  public page); the admin's object URLs without `change/` (to the change page); and the
  admin's refusals, to who has the right, of what the record's state does not allow: back to
  the record's page with a message (deleting a signed contract or a project of one,
  registering the signing of a contract that is signed already).

## The table
"""


@dataclass(frozen=True)
class Row:
    """One URL pattern: its full route (prefixes joined) and its name with namespaces."""

    pattern: str
    name: str

    @property
    def key(self):
        return (self.pattern, self.name)


def url_rows(resolver=None, prefix="", namespace=""):
    """Every URL pattern of the URLconf, walked recursively, in the URLconf's order."""
    resolver = resolver or get_resolver()
    rows = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            rows += url_rows(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            rows.append(Row(prefix + str(entry.pattern), name))
    return rows


_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def url_for(row, arguments):
    """The URL of `row` with `arguments` (a dict of keyword arguments, or a list of
    positional ones for a pattern with unnamed groups)."""
    if row.name:
        if isinstance(arguments, (list, tuple)):
            return reverse(row.name, args=arguments)
        return reverse(row.name, kwargs=arguments)
    # An unnamed pattern: fill its parameters in.
    path = _ROUTE_PARAMETER.sub(lambda m: str(arguments[m.group(1)]), row.pattern)
    path = _REGEX_GROUP.sub(lambda m: str(arguments[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


def outcome(response):
    """The cell for `response`: 200, login, 403, 404, 405, 302 (elsewhere), or its status."""
    status = response.status_code
    if status in {301, 302, 303, 307, 308}:
        target = urlsplit(response["Location"]).path
        if target in {reverse("admin:login"), reverse("projects:login")}:
            return LOGIN
        return REDIRECT
    return str(status)


# --- The file -------------------------------------------------------------------------------


def _cell(text):
    return text.replace("|", "\\|")


def render(table, header_values):
    """The Markdown file for `table` ({Row: {persona: outcome}}), rows in URLconf order."""
    lines = [HEADER.format(**header_values)]
    lines.append("| URL pattern | name | " + " | ".join(PERSONAS) + " |")
    lines.append("|---|---|" + "---|" * len(PERSONAS))
    for row, cells in table.items():
        name = f"`{_cell(row.name)}`" if row.name else "(none)"
        values = " | ".join(cells[persona] for persona in PERSONAS)
        lines.append(f"| `{_cell(row.pattern)}` | {name} | {values} |")
    return "\n".join(lines) + "\n"


_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def parse(text):
    """{(pattern, name): {persona: outcome}} from the file's table; raises on a malformed or
    repeated row."""
    table = {}
    lines = text.splitlines()
    start = lines.index("## The table")
    for line in lines[start + 1 :]:
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in _UNESCAPED_PIPE.split(line)[1:-1]]
        if len(cells) != 2 + len(PERSONAS):
            raise ValueError(f"A row needs {2 + len(PERSONAS)} cells: {line}")
        pattern = cells[0].strip("`").replace("\\|", "|")
        name = "" if cells[1] == "(none)" else cells[1].strip("`").replace("\\|", "|")
        if (pattern, name) in table:
            raise ValueError(f"Row twice: {line}")
        table[(pattern, name)] = dict(zip(PERSONAS, cells[2:], strict=True))
    return table


def differences(expected, got):
    """What differs between the policy (`expected`) and the answers (`got`), both
    {(pattern, name): {persona: outcome}}: a pattern without a row, a row without a pattern,
    and each cell (row, persona, expected, got)."""
    problems = [
        f"no row in the policy for the URL pattern {pattern!r} (name {name!r})"
        for pattern, name in got
        if (pattern, name) not in expected
    ]
    problems += [
        f"a row of the policy has no URL pattern: {pattern!r} (name {name!r})"
        for pattern, name in expected
        if (pattern, name) not in got
    ]
    for (pattern, name), cells in got.items():
        for persona, outcome in cells.items():
            wanted = expected.get((pattern, name), {}).get(persona)
            if wanted is not None and wanted != outcome:
                problems.append(f"{pattern} ({name}), {persona}: expected {wanted}, got {outcome}")
    return problems
