"""`manage.py seed_volume --wijken N --projects P --updates U`: generated volume for a benchmark.

Adds N generated wijken, each with a signed contract (sections, four parties with their
signatories, six residents' wishes), P projects per wijk (each led by a party, with two
participating partners and the wish it answers) and U progress updates per project: about
three in four public, one in five internal and one in twenty hidden with a reason. The issue's
volume, 500 wijken with 10,000 projects and 500,000 updates, is
`--wijken 500 --projects 20 --updates 50`.

Every generated record says so: wijken, districts, partners, contracts and projects have names
that start with "Gegenereerd"/"Gegenereerde", and contracts and partners are marked
illustrative, so residents see the notice. The rows are written with bulk_create in batches,
without history rows, in one transaction per batch of wijken.

It refuses a database that holds real data (a wijk that is neither the pilot's nor generated,
or a contract of a pilot wijk that the pilot does not have) unless --force is given. Running it
again adds only the wijken that are missing (wijk 1 to N by number); wijken already generated
are left as they are.
"""

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.choices import ContractStatus, PartnerKind, WishSource
from contracts.models import (
    Contract,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    District,
    Neighbourhood,
    Partner,
    Programme,
    ResidentWish,
)
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, Project, ProjectPartner
from wijkaanpak.common.pilot.problems import DEFAULT_PILOT_FILE

# The mark of generated data: every generated wijk, district, partner, contract and project has
# a name that starts with it ("Gegenereerd", "Gegenereerde").
GENERATED_PREFIX = "Gegenereerd"
WIJK_SLUG = "gegenereerd-{:04d}"
WIJKEN_PER_DISTRICT = 25
PARTIES_PER_CONTRACT = 4
WISHES_PER_CONTRACT = 6
SECTIONS = ("Inleiding", "Projectteam", "Looptijd")
# Wijken written per transaction; bulk_create sends BATCH_SIZE rows per statement.
WIJKEN_PER_TRANSACTION = 25
BATCH_SIZE = 2000


def is_generated(name):
    return name.startswith(GENERATED_PREFIX)


def real_data(using):
    """What in the database is neither the pilot nor generated: (wijk names, contract titles)."""
    pilot = json.loads(DEFAULT_PILOT_FILE.read_text(encoding="utf-8"))
    pilot_slugs = {wijk["slug"] for wijk in pilot["neighbourhoods"]}
    pilot_contracts = {
        (contract["neighbourhood"], contract["period_start"]) for contract in pilot["contracts"]
    }
    wijken = [
        name
        for name, slug in Neighbourhood.objects.using(using).values_list("name", "slug")
        if slug not in pilot_slugs and not is_generated(name)
    ]
    contracts = [
        title
        for title, slug, start in Contract.objects.using(using).values_list(
            "title", "neighbourhood__slug", "period_start"
        )
        if slug in pilot_slugs and (slug, start.isoformat()) not in pilot_contracts
    ]
    return wijken, contracts


class Command(BaseCommand):
    help = (
        "Add generated wijken, each with a signed contract, P projects and U progress updates "
        "per project, for a benchmark at volume. Refused on a database with real data unless "
        "--force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wijken", type=int, required=True, help="Generated wijken (N).")
        parser.add_argument(
            "--projects", type=int, required=True, help="Projects per wijk (P), at most 99."
        )
        parser.add_argument(
            "--updates", type=int, required=True, help="Progress updates per project (U)."
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to fill (default: the one DATABASE_URL names).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Also fill a database that holds real data (never a production database).",
        )

    def handle(self, *args, wijken, projects, updates, database, force, **options):
        if database not in connections:
            raise CommandError(_("Unknown database alias: %(alias)s.") % {"alias": database})
        if not 1 <= wijken <= 9999 or not 1 <= projects <= 99 or not 0 <= updates <= 1000:
            raise CommandError(
                _(
                    "Give at least 1 and at most 9999 wijken, 1 to 99 projects per wijk and "
                    "0 to 1000 updates per project."
                )
            )
        real_wijken, real_contracts = real_data(database)
        if (real_wijken or real_contracts) and not force:
            names = ", ".join((real_wijken + real_contracts)[:5])
            raise CommandError(
                _(
                    "This database holds data that is neither the pilot nor generated "
                    "(%(names)s): nothing was generated. Use a database of its own for volume, "
                    "or give --force if you are sure."
                )
                % {"names": names}
            )
        started = time.perf_counter()
        seeder = Seeder(database, projects, updates)
        existing = set(
            Neighbourhood.objects.using(database)
            .filter(slug__startswith="gegenereerd-")
            .values_list("slug", flat=True)
        )
        numbers = [n for n in range(1, wijken + 1) if WIJK_SLUG.format(n) not in existing]
        for start in range(0, len(numbers), WIJKEN_PER_TRANSACTION):
            with transaction.atomic(using=database):
                seeder.add_wijken(numbers[start : start + WIJKEN_PER_TRANSACTION])
            if options["verbosity"] > 1:
                self.stdout.write(f"  {start + WIJKEN_PER_TRANSACTION} / {len(numbers)}")
        self.stdout.write(
            _(
                "Generated %(wijken)d wijken (%(existing)d were already there) with "
                "%(projects)d projects and %(updates)d progress updates in %(seconds).1f s."
            )
            % {
                "wijken": len(numbers),
                "existing": wijken - len(numbers),
                "projects": len(numbers) * projects,
                "updates": len(numbers) * projects * updates,
                "seconds": time.perf_counter() - started,
            }
        )


class Seeder:
    """Writes generated wijken with bulk_create: contracts, parties, wishes, projects, updates."""

    def __init__(self, using, projects, updates):
        self.using = using
        self.projects = projects
        self.updates = updates
        self.programme = Programme.objects.using(using).current()
        if self.programme:
            self.period = (self.programme.period_start, self.programme.period_end)
        else:
            self.period = (datetime.date(2007, 10, 2), datetime.date(2009, 10, 2))
        self.now = timezone.now()

    def _create(self, model, rows):
        return model.objects.using(self.using).bulk_create(rows, batch_size=BATCH_SIZE)

    def _district(self, number):
        index = (number - 1) // WIJKEN_PER_DISTRICT + 1
        district, _created = District.objects.using(self.using).get_or_create(
            slug=f"gegenereerd-stadsdeel-{index:03d}",
            defaults={"name": f"{GENERATED_PREFIX} stadsdeel {index:03d}"},
        )
        return district

    def _partners(self, count):
        """The pool of generated partners: one per two wijken, at least eight, so that a
        partner takes part in about eight contracts, as a city-wide organisation does."""
        kinds = PartnerKind.values
        wanted = {
            f"gegenereerde-partner-{index:04d}": (
                f"{GENERATED_PREFIX}e partner {index:04d}",
                kinds[index % len(kinds)],
            )
            for index in range(1, max(8, count // 2) + 1)
        }
        have = set(
            Partner.objects.using(self.using).filter(slug__in=wanted).values_list("slug", flat=True)
        )
        self._create(
            Partner,
            [
                Partner(slug=slug, name=name, kind=kind, is_illustrative=True)
                for slug, (name, kind) in wanted.items()
                if slug not in have
            ],
        )
        return list(Partner.objects.using(self.using).filter(slug__in=wanted).order_by("slug"))

    def add_wijken(self, numbers):
        """Add the generated wijken with these numbers, everything in them included."""
        if not numbers:
            return
        pool = self._partners(max(numbers))
        start, end = self.period
        wijken = self._create(
            Neighbourhood,
            [
                Neighbourhood(
                    slug=WIJK_SLUG.format(n),
                    name=f"{GENERATED_PREFIX}e wijk {n:04d}",
                    district=self._district(n),
                    description="Gegenereerde wijk voor een meting op volume.",
                )
                for n in numbers
            ],
        )
        contracts = self._create(
            Contract,
            [
                Contract(
                    neighbourhood=wijk,
                    programme=self.programme,
                    title=f"{GENERATED_PREFIX} wijkcontract {n:04d}",
                    period_start=start,
                    period_end=end,
                    status=ContractStatus.SIGNED,
                    signed_on=start,
                    signing_place="Haarlem",
                    is_illustrative=True,
                )
                for n, wijk in zip(numbers, wijken, strict=True)
            ],
        )
        self._create(
            ContractStatusChange,
            [
                ContractStatusChange(
                    contract=contract,
                    from_status=from_status,
                    to_status=to_status,
                    changed_at=self.now,
                    note="Gegenereerd",
                )
                for contract in contracts
                for from_status, to_status in (
                    (ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING),
                    (ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED),
                )
            ],
        )
        self._create(
            ContractSection,
            [
                ContractSection(
                    contract=contract,
                    order=order,
                    heading=heading,
                    body=f"Gegenereerde tekst van het hoofdstuk {heading.lower()}.",
                )
                for contract in contracts
                for order, heading in enumerate(SECTIONS, start=1)
            ],
        )
        parties = {}
        party_rows = []
        for n, contract in zip(numbers, contracts, strict=True):
            chosen = [
                pool[(n * PARTIES_PER_CONTRACT + k) % len(pool)]
                for k in range(PARTIES_PER_CONTRACT)
            ]
            parties[contract.pk] = chosen
            party_rows += [
                ContractParty(
                    contract=contract,
                    partner=partner,
                    signatory_name=f"Ondertekenaar {k + 1}",
                    signatory_function="Directeur",
                    order=k,
                )
                for k, partner in enumerate(chosen)
            ]
        self._create(ContractParty, party_rows)
        sources = WishSource.values
        wishes = self._create(
            ResidentWish,
            [
                ResidentWish(
                    contract=contract,
                    title=f"Gegenereerde wens {k + 1}",
                    description="Wat bewoners vroegen, gegenereerd.",
                    source=sources[k % len(sources)],
                    not_taken_up_reason=(
                        "" if k < self.projects else "Gegenereerd: geen project neemt dit op."
                    ),
                    order=k,
                )
                for contract in contracts
                for k in range(WISHES_PER_CONTRACT)
            ],
        )
        wishes_of = {}
        for wish in wishes:
            wishes_of.setdefault(wish.contract_id, []).append(wish)
        self._add_projects(numbers, contracts, parties, wishes_of)

    def _add_projects(self, numbers, contracts, parties, wishes_of):
        start, end = self.period
        projects = []
        for n, contract in zip(numbers, contracts, strict=True):
            for number in range(1, self.projects + 1):
                project = Project(
                    contract=contract,
                    number=number,
                    title=f"{GENERATED_PREFIX} project {n:04d}-{number:02d}",
                    summary="Een gegenereerd project voor een meting op volume.",
                    description="Gegenereerde beschrijving.",
                    lead_partner=parties[contract.pk][number % PARTIES_PER_CONTRACT],
                    planned_start=start,
                    planned_end=end,
                    is_illustrative=True,
                )
                project.status, project.percent_complete = self._latest(number)
                projects.append(project)
        projects = self._create(Project, projects)
        links = Project.wishes.through
        self._create(
            links,
            [
                links(
                    project_id=project.pk,
                    residentwish_id=wishes_of[project.contract_id][
                        (project.number - 1) % WISHES_PER_CONTRACT
                    ].pk,
                )
                for project in projects
            ],
        )
        self._create(
            ProjectPartner,
            [
                ProjectPartner(
                    project=project,
                    partner=parties[project.contract_id][
                        (project.number + k) % PARTIES_PER_CONTRACT
                    ],
                    contribution="Uren en middelen uit de eigen begroting (gegenereerd).",
                    order=k,
                )
                for project in projects
                for k in range(2)
            ],
        )
        for first in range(0, len(projects), BATCH_SIZE // max(1, self.updates) + 1):
            self._create(
                ProgressUpdate,
                [
                    self._update(project, index)
                    for project in projects[first : first + BATCH_SIZE // max(1, self.updates) + 1]
                    for index in range(self.updates)
                ],
            )

    def _status(self, number, index):
        """The status of a project's update `index`: on schedule, with a delay for a while in
        every third project; the last update of every fourth project finishes it."""
        if number % 4 == 0 and index == self.updates - 1:
            return ProjectStatus.DONE
        if number % 3 == 0 and index % 10 in (4, 5, 6):
            return ProjectStatus.DELAYED
        return ProjectStatus.ON_SCHEDULE

    def _percent(self, number, index):
        if self._status(number, index) == ProjectStatus.DONE:
            return 100
        return min(95, (index + 1) * 100 // (self.updates + 1))

    def _hidden(self, index):
        return index % 20 == 13

    def _latest(self, number):
        """(status, percent) of the newest update that is not hidden: what the project shows."""
        for index in reversed(range(self.updates)):
            if not self._hidden(index):
                return self._status(number, index), self._percent(number, index)
        return ProjectStatus.PLANNED, 0

    def _update(self, project, index):
        start, end = self.period
        span = max(1, (end - start).days - 1)
        hidden = self._hidden(index)
        return ProgressUpdate(
            project=project,
            date=start + datetime.timedelta(days=1 + index * span // max(1, self.updates)),
            status=self._status(project.number, index),
            percent_complete=self._percent(project.number, index),
            happened=f"Gegenereerde voortgang {index + 1} van project {project.number}.",
            next_steps="Volgende stap, gegenereerd.",
            visibility=Visibility.INTERNAL if index % 5 == 2 else Visibility.PUBLIC,
            hidden=hidden,
            hidden_reason="Gegenereerd: verborgen voor de meting." if hidden else "",
            hidden_at=self.now if hidden else None,
        )
