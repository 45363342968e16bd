from django.urls import path

from contracts.views import addenda, public
from wijkaanpak.common.pagecache import public_page

app_name = "contracts"

urlpatterns = [
    path("wijken/", public_page(public.NeighbourhoodListView.as_view()), name="neighbourhood_list"),
    path(
        "wijken/<slug:slug>/contract/",
        public_page(public.CurrentContractView.as_view()),
        name="contract_detail",
    ),
    path("wijken/<slug:slug>/contract.pdf", public.contract_pdf, name="contract_pdf"),
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/",
        public_page(public.ContractVersionView.as_view()),
        name="contract_version",
    ),
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/contract.pdf",
        public.contract_version_pdf,
        name="contract_version_pdf",
    ),
    path(
        "wijken/<slug:slug>/contracten/<int:pk>/addenda/<int:number>.pdf",
        addenda.addendum_pdf,
        name="addendum_pdf",
    ),
]
