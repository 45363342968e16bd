"""The staff groups and exactly the permissions each needs.

`ensure_groups()` runs after every `migrate` (see WijkaanpakConfig.ready) and from
`create_demo_accounts`; it makes each group's permissions exactly the listed ones, so a
permission removed here is removed from the group too.

No group gets the outbox (`post_office`): it holds every mail's text, password-reset links
included, so only superusers see it (wijkaanpak/admin_outbox.py). Staff see the delivery of
their own mails in the distribution log and on a reporting round's page.

Nor does any group get the login lockouts (axes) or the second factors (otp_totp,
otp_static): unlocking a login someone is guessing at, or resetting an account's second factor,
is for superusers only (wijkaanpak/common/admin/logins.py).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

EDITORS = "Redacteuren"
BUDGET_MANAGERS = "Budgetbeheerders"

# app label -> model -> actions
GROUP_PERMISSIONS = {
    EDITORS: {
        "contracts": {
            "district": ("view", "add", "change"),
            "neighbourhood": ("view", "add", "change"),
            "subarea": ("view", "add", "change", "delete"),
            "partner": ("view", "add", "change"),
            "standardsection": ("view", "add", "change", "delete"),
            "contract": ("view", "add", "change", "delete"),
            "contractsection": ("view", "add", "change", "delete"),
            "contractparty": ("view", "add", "change", "delete"),
            "residentwish": ("view", "add", "change", "delete"),
            "contractstatuschange": ("view",),
            # A draft addendum is edited; "change" is also the right to register its signing.
            "addendum": ("view", "add", "change", "delete"),
            "addendumsignatory": ("view", "add", "change", "delete"),
            # The log of who got the signed PDF; sending is the contract's "change" right.
            "distribution": ("view",),
            # Drafted from the data and edited; "change" is also the right to publish.
            "pressrelease": ("view", "add", "change", "delete"),
            # The college's decisions, from which the memo (nota) is printed: "view" is the
            # right to download the memo.
            "collegedecision": ("view", "add", "change"),
            # Programme periods and which contracts belong to them.
            "programme": ("view", "add", "change"),
        },
        "projects": {
            "project": ("view", "add", "change", "delete"),
            "projectpartner": ("view", "add", "change", "delete"),
            "teammembership": ("view", "add", "change", "delete"),
            # The editors' way to make team accounts: "add" invites, "change" sends an
            # invitation again or withdraws it (projects.invitations).
            "teaminvitation": ("view", "add", "change"),
            # Updates are append-only: "change" is the right to hide one, with a reason.
            "progressupdate": ("view", "change"),
            "reportinground": ("view", "add"),
            "projectreport": ("view",),
            "reportreminder": ("view", "add"),
            # Written through projects.services; "change" is also the right to close one.
            "contractevaluation": ("view", "change"),
            "wishverdictrecord": ("view", "add", "change"),
        },
        # To pick team members (the admin's user autocomplete); users are not edited here.
        "auth": {"user": ("view",)},
    },
    BUDGET_MANAGERS: {
        "contracts": {
            "neighbourhood": ("view",),
            "partner": ("view",),
            "contract": ("view",),
        },
        "budget": {
            "fund": ("view",),
            "fundcategory": ("view",),
            # Booked, reduced and closed through budget.services; "add" is the right to book.
            "allocation": ("view", "add"),
            # Payments are never changed: "add" records one through the service.
            "payment": ("view", "add"),
            # "change" is the right to review, decide and withdraw, through the service.
            "initiativeapplication": ("view", "change"),
            "criterionreview": ("view",),
        },
    },
}


def _permissions_for(spec):
    codenames = {
        (app_label, f"{action}_{model}")
        for app_label, models in spec.items()
        for model, actions in models.items()
        for action in actions
    }
    permissions = Permission.objects.filter(
        content_type__app_label__in={app_label for app_label, _codename in codenames}
    ).select_related("content_type")
    found = [p for p in permissions if (p.content_type.app_label, p.codename) in codenames]
    missing = codenames - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Unknown permissions: {sorted(missing)}")
    return found


@transaction.atomic
def ensure_groups(apps=global_apps):
    """Create the staff groups with exactly their permissions; return them by name.

    Django makes a model's permissions after `migrate`; when one the groups need is not there
    yet (this runs in the same signal), they are made first, for every app."""
    try:
        wanted = {name: _permissions_for(spec) for name, spec in GROUP_PERMISSIONS.items()}
    except LookupError:
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        wanted = {name: _permissions_for(spec) for name, spec in GROUP_PERMISSIONS.items()}
    groups = {}
    for name, permissions in wanted.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        groups[name] = group
    return groups
