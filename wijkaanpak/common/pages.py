"""Paging of long lists: one rule for every page that shows a list which grows with use."""

from django.core.paginator import Paginator


def page_of(request, items, per_page, *, keep=()):
    """The page of `items` that `request` asks for (GET `page`), `per_page` to a page.

    A bad page number is no error (Paginator.get_page): one that is not a number gives the
    first page, one past the end the last, so an old or mistyped link still shows the list.
    The page's `link_prefix` is what a link to another page starts with: `?`, the other GET
    parameters named in `keep` (a search, say) and `page=`; the number ends it
    (templates/includes/pagination.html); its `numbers` the page numbers to link to.
    """
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in list(query):
        if name not in keep:
            del query[name]
    query["page"] = ""
    page.link_prefix = "?" + query.urlencode()
    # The first, the last and the pages around this one; an ellipsis for the others.
    page.numbers = list(
        page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    )
    return page
