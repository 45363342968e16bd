from django.urls import path

from budget.views import account, apply, status
from wijkaanpak.common.pagecache import public_page

app_name = "budget"

urlpatterns = [
    path("budget/", public_page(account.FundAccountView.as_view()), name="account"),
    path("budget/grootboek.csv", public_page(account.ledger_csv), name="ledger_csv"),
    path("initiatieven/aanvragen/", apply.ApplicationCreateView.as_view(), name="apply"),
    path(
        "initiatieven/aanvragen/ontvangen/",
        apply.ApplicationReceivedView.as_view(),
        name="apply_received",
    ),
    path(
        "initiatieven/status/<str:reference>/<str:token>/",
        status.application_status,
        name="status",
    ),
]
