"""The framework of the pilot-data loaders: a JSON file of parts, checked as a whole, then loaded.

Everything about a particular municipality is data, never code: the Haarlem pilot of 2007 lives
in ``data/pilot/haarlem-2007.json``; a later round or another municipality is another file.
The file is one JSON object with a key per part and a free-form ``meta`` object, whose
``load_note`` (at most 100 characters) becomes the reason on every history row the load writes.

Each app describes its own parts in its ``pilot`` module, which :func:`registered_parts`
discovers the way the admin discovers ``admin`` modules, so this module imports no app. A part
(:func:`register_part`) is a key of the file, a place in the loading order, a pydantic model of
its items, the fields that identify an item, and a function that loads the checked items. A
step (:func:`register_step`) runs at its place in the order whether or not the file has parts
there, such as walking the new contracts to "signed" once what belongs to their text is loaded.
An app may give loads a :class:`LoadContext` of its own with lookups for the parts above it
(:func:`register_context`).

The file is checked as a whole before anything is written: pydantic validates every part's
items against its model and every mistake becomes a :class:`Problem` with a path like
``contracts[0].parties[1].partner``, a code and a translatable message, so staff see every
mistake at once instead of one per run. The loaders then check what needs the database and
raise :class:`PilotDataError` at the first problem; everything is written in one transaction,
so a bad file changes nothing.

The value types items are declared with (:data:`Text`, :data:`IsoDate`, :data:`Amount`, …)
each speak one message when a value does not fit, and refuse what JSON would let slip through:
a number as text, ``1`` as true, ``null`` for a key that can be left out.
"""

from wijkaanpak.common.pilot.context import (
    LoadContext,
)
from wijkaanpak.common.pilot.loading import (
    CheckedFile,
    LoadReport,
    check,
    load,
    load_file,
    read_file,
)
from wijkaanpak.common.pilot.parts import (
    Part,
    Step,
    register_context,
    register_part,
    register_step,
    registered_context,
    registered_parts,
    schedule,
)
from wijkaanpak.common.pilot.problems import (
    AFTER_ALL_PARTS,
    DEFAULT_PILOT_FILE,
    MAX_LOAD_NOTE_LENGTH,
    META_KEY,
    PilotDataError,
    Problem,
    aware,
    call,
    fail,
    not_found,
    problem,
    refuse_future,
    rejected,
)
from wijkaanpak.common.pilot.schema import (
    Amount,
    AnyText,
    Boolean,
    IsoDate,
    IsoMoment,
    Item,
    Meta,
    PositiveAmount,
    PositiveWholeNumber,
    Text,
    WholeNumber,
    choice,
    explained,
    invalid,
    problems_of,
)

__all__ = [
    "AFTER_ALL_PARTS",
    "DEFAULT_PILOT_FILE",
    "MAX_LOAD_NOTE_LENGTH",
    "META_KEY",
    "Amount",
    "AnyText",
    "Boolean",
    "CheckedFile",
    "IsoDate",
    "IsoMoment",
    "Item",
    "LoadContext",
    "LoadReport",
    "Meta",
    "Part",
    "PilotDataError",
    "PositiveAmount",
    "PositiveWholeNumber",
    "Problem",
    "Step",
    "Text",
    "WholeNumber",
    "aware",
    "call",
    "check",
    "choice",
    "explained",
    "fail",
    "invalid",
    "load",
    "load_file",
    "not_found",
    "problem",
    "problems_of",
    "read_file",
    "refuse_future",
    "register_context",
    "register_part",
    "register_step",
    "registered_context",
    "registered_parts",
    "rejected",
    "schedule",
]
