from django.views.generic import DetailView, ListView

from contracts.models import Contract, Neighbourhood


class NeighbourhoodListView(ListView):
    model = Neighbourhood


class CurrentContractView(DetailView):
    model = Contract


class ContractVersionView(DetailView):
    model = Contract
