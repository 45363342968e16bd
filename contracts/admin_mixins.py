"""Small pieces the admins share."""


class LogOnlyAdminMixin:
    """An admin for a log that its services write: it shows the rows and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
