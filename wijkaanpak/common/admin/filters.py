"""List filters that stay small at any volume: a related object chosen by typing its name.

A sidebar that links every wijk (or contract, or partner) grows with the data: at 500 wijken it
is a page of links and a query over all of them. An autocomplete filter shows one field; the
admin's own autocomplete view searches the related admin's ``search_fields`` as one types.
"""

from admin_auto_filters.filters import AutocompleteFilter
from django.contrib.admin.options import IncorrectLookupParameters


class RelatedAutocompleteFilter(AutocompleteFilter):
    """Filter on a foreign key, possibly across relations (``path``), by autocomplete.

    The query parameter is the relation's path (``?contract__neighbourhood=12``). A value that
    is not an id is refused the way the admin refuses any bad filter: the list comes back
    whole with a notice, never a 500.
    """

    path = ""

    def __init__(self, request, params, model, model_admin):
        self.rel_model = model
        for name in self.path.split("__")[:-1]:
            self.rel_model = self.rel_model._meta.get_field(name).related_model
        values = params.get(self.parameter_name) or []
        if isinstance(values, str):
            values = [values]
        if any(value and not str(value).isdigit() for value in values):
            raise IncorrectLookupParameters(f"{self.parameter_name} must be an id")
        super().__init__(request, params, model, model_admin)
        self.label_id = f"id-{self.parameter_name}-dal-filter"


def autocomplete_filter(title, path):
    """A ``list_filter`` entry: ``autocomplete_filter(_("wijk"), "contract__neighbourhood")``."""
    return type(
        f"{path.title().replace('__', '')}AutocompleteFilter",
        (RelatedAutocompleteFilter,),
        {
            "title": title,
            "path": path,
            "field_name": path.split("__")[-1],
            # The relation's path, as the admin's lookup_allowed expects of a list filter.
            "parameter_name": path,
            "__module__": __name__,
        },
    )
