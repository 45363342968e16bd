"""Seed the standard sections with which every new contract starts.

They are the eight sections of chapter 1 of the 2007 wijkcontracten. They are data: staff
change them in the admin (Standaardhoofdstukken) for a new round or another municipality.
"""

from django.db import migrations

SECTIONS = [
    ("Inleiding", "Waarom dit wijkcontract er is en wat het regelt."),
    ("Projectteam", "Wie in het projectteam zitten en wat het team doet."),
    ("Criteria voor projecten", "Aan welke voorwaarden een project in dit contract voldoet."),
    ("Rol van bewoners", "Hoe bewoners meedenken, meedoen en zelf initiatieven nemen."),
    ("Ondertekening", "Wie het contract ondertekenen en wat dat betekent."),
    ("Uitvoering", "Hoe de partners de projecten uitvoeren en erover rapporteren."),
    ("Tussenevaluatie en vervolg", "Wanneer en hoe de voortgang halverwege wordt besproken."),
    ("Financiering", "Hoe de projecten en bewonersinitiatieven worden betaald."),
]


def seed(apps, schema_editor):
    StandardSection = apps.get_model("contracts", "StandardSection")
    if StandardSection.objects.exists():
        return
    for index, (heading, body) in enumerate(SECTIONS, start=1):
        StandardSection.objects.create(heading=heading, body=body, order=index * 10)


def unseed(apps, schema_editor):
    StandardSection = apps.get_model("contracts", "StandardSection")
    StandardSection.objects.filter(heading__in=[heading for heading, _body in SECTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
