from django.urls import path

from contracts import addenda_views, views

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
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/contract.pdf",
        views.contract_version_pdf,
        name="contract_version_pdf",
    ),
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/addenda/<int:number>.pdf",
        addenda_views.addendum_pdf,
        name="addendum_pdf",
    ),
]
