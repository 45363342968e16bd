from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("wijken/", views.NeighbourhoodListView.as_view(), name="neighbourhood_list"),
    path(
        "wijken/<slug:slug>/contract/",
        views.CurrentContractView.as_view(),
        name="contract_detail",
    ),
    path("wijken/<slug:slug>/contract.pdf", views.contract_pdf, name="contract_pdf"),
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/",
        views.ContractVersionView.as_view(),
        name="contract_version",
    ),
]
