"""Admin pages for superusers only: what holds secrets or every mail's text."""


class SuperusersOnly:
    """Visible to active superusers, and read-only but for the admin's own actions (an
    admin adds `has_<action>_permission` methods that call `_allowed` for those)."""

    def _allowed(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
