"""The bounded load run of tests/deploy/test_two_servers.py: residents reading public pages
through nginx (loopback only; the test gives the host, the users and the time)."""

import os

from locust import HttpUser, between, task

WIJK = os.environ.get("LOAD_WIJK", "centrum")
PROJECT = os.environ.get("LOAD_PROJECT", "")


class Resident(HttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self):
        # The certificate the test made for this run (its own authority).
        self.client.verify = os.environ["LOAD_CA"]

    @task(3)
    def home(self):
        self.client.get("/", name="/")

    @task(2)
    def wijken(self):
        self.client.get("/wijken/", name="/wijken/")

    @task(3)
    def wijk(self):
        self.client.get(f"/wijken/{WIJK}/", name="/wijken/<slug>/")

    @task(2)
    def contract(self):
        self.client.get(f"/wijken/{WIJK}/contract/", name="/wijken/<slug>/contract/")

    @task(1)
    def contract_pdf(self):
        self.client.get(f"/wijken/{WIJK}/contract.pdf", name="/wijken/<slug>/contract.pdf")

    @task(2)
    def project(self):
        if PROJECT:
            self.client.get(f"/projecten/{PROJECT}/", name="/projecten/<id>/")

    @task(1)
    def budget(self):
        self.client.get("/budget/", name="/budget/")

    @task(1)
    def partners(self):
        self.client.get("/partners/", name="/partners/")
