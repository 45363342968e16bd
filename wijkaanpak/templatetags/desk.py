"""The desk on the admin's home page (wijkaanpak.desk), for templates/admin/desk_index.html."""

from django import template

from wijkaanpak import desk

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_title(context):
    """The home page's title for the user's roles; "" for a user without a desk."""
    return desk.title_for(context["request"].user)


@register.inclusion_tag("admin/desk/desks.html", takes_context=True)
def desks(context):
    """Every desk the user sees, filled in for today."""
    request = context["request"]
    desks = desk.desks_for(request)
    return {"desks": desks, "several": len(desks) > 1, "request": request}
