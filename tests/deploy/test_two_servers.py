"""The production topology, run: two gunicorn app servers on one PostgreSQL database, one
Redis, one media folder and a Celery worker, behind Debian's nginx configured from
deploy/nginx/wijkaanpak.conf (see "Production topology" in README.md).

One test, because the topology is expensive to start (about a minute in CI):

- a signing registered in the admin of server A is served byte for byte by server B, and by
  nginx (X-Accel-Redirect from both servers to the shared media folder);
- a public progress update posted through server A shows on server B's next page;
- a mail queued on server A is delivered once, by the worker;
- a bounded load run (locust, 20 users for 30 s, loopback only) through nginx to both
  servers ends without errors; its p95 is printed;
- nginx's own answers (a body over the limit, no app server answering) are Dutch pages.

The database is pytest's own test database (this test commits, and is emptied afterwards);
the servers reach it with the same credentials. Everything started here is stopped at
teardown, also when the test fails.
"""

import contextlib
import csv
import datetime
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from contracts.choices import ContractStatus
from contracts.models import Contract
from projects.choices import ProjectStatus, Visibility
from projects.models import Project
from tests.conftest import require
from tests.factories import contract_in_status
from tests.otp import totp_code, totp_device

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE_FILE = ROOT / "deploy" / "nginx" / "wijkaanpak.conf"
REDIS_DB = 7
PASSWORD = "wijkaanpak-demo"
WIJK = "centrum"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable():
    import redis

    try:
        return redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        return False


def nginx_binary():
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


# --- The mail server: an SMTP sink on loopback --------------------------------------------------


class Sink:
    """Keeps every message the worker delivers (aiosmtpd handler)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [content for rcpts, content in self.messages if address in rcpts]


# --- nginx from the site file -----------------------------------------------------------------


def nginx_config(work, *, https_port, http_port, upstreams, static_root, media_root):
    """deploy/'s site file with this run's ports, folders and certificate, inside a main
    configuration of its own (no daemon; pid, logs and temporary files under `work`)."""
    site = SITE_FILE.read_text()
    upstream_lines = "".join(
        f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstreams
    )
    replacements = [
        (
            "    server 10.0.0.11:8000 max_fails=3 fail_timeout=10s;\n"
            "    server 10.0.0.12:8000 max_fails=3 fail_timeout=10s;\n",
            upstream_lines,
        ),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/ssl/wijkaanpak/fullchain.pem", str(work / "cert.pem")),
        ("/etc/ssl/wijkaanpak/privkey.pem", str(work / "key.pem")),
        ("alias /srv/wijkaanpak/staticfiles/;", f"alias {static_root}/;"),
        ("alias /srv/wijkaanpak/media/;", f"alias {media_root}/;"),
        (
            "alias /srv/wijkaanpak/app/deploy/nginx/errors/;",
            f"alias {SITE_FILE.parent / 'errors'}/;",
        ),
        ("server_name wijkaanpak.example;", "server_name 127.0.0.1;"),
    ]
    for old, new in replacements:
        assert old in site, f"the site file no longer has {old!r}"
        site = site.replace(old, new)
    temp = work / "nginx-temp"
    temp.mkdir()
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\n"
        f"error_log {work}/nginx-error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    log_format upstreams '$upstream_addr $status $request_uri';\n"
        f"    access_log {work}/nginx-access.log upstreams;\n"
        f"    client_body_temp_path {temp}/body;\n"
        f"    proxy_temp_path {temp}/proxy;\n"
        f"    fastcgi_temp_path {temp}/fastcgi;\n"
        f"    uwsgi_temp_path {temp}/uwsgi;\n"
        f"    scgi_temp_path {temp}/scgi;\n"
        f"{site}\n}}\n"
    )


def make_certificate(work):
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


# --- Processes --------------------------------------------------------------------------------


class Phases:
    """How long each part of the run took, printed at the end (the test should stay near
    two and a half minutes in CI)."""

    def __init__(self):
        self.last = time.monotonic()
        self.took = []

    def done(self, name):
        now = time.monotonic()
        self.took.append(f"{name} {now - self.last:.0f} s")
        self.last = now

    def __str__(self):
        return ", ".join(self.took)


class Processes:
    """Every process the test starts, each in its own process group, all stopped at the end."""

    def __init__(self, work):
        self.work = work
        self.started = []

    def start(self, name, command, env):
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop_all)
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.started.append((name, process, log))
        return process

    def log(self, name):
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, name):
        """Stop the process `name` (its whole group) and wait for it."""
        for started, process, _log in self.started:
            if started == name and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)

    def check_running(self):
        for name, process, _log in self.started:
            if process.poll() is not None:
                output = self.log(name)[-3000:]
                pytest.fail(f"{name} stopped (exit {process.returncode}):\n{output}")

    def stop_all(self):
        for _name, process, _log in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, process, log in reversed(self.started):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            log.close()


def wait_for(what, condition, processes, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_running()
        with contextlib.suppress(requests.RequestException, OSError):
            if condition():
                return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


# --- A client of one app server directly, as nginx would forward it ---------------------------


class FormInputs(HTMLParser):
    """The hidden inputs of a page's forms (the CSRF token, a wizard's step)."""

    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def hidden_inputs(html):
    parser = FormInputs()
    parser.feed(html)
    return parser.values


class Direct:
    """Requests to one app server without nginx, with the headers nginx adds (HTTPS, the
    client's address) and the session's cookies, which are marked Secure."""

    def __init__(self, port):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = {}

    def request(self, method, path, **kwargs):
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Referer": f"https://127.0.0.1:{self.port}{path}",
            **kwargs.pop("headers", {}),
        }
        response = requests.request(
            method,
            self.base + path,
            headers=headers,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, data):
        """POST a form of the page at `path`, with its hidden inputs."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return self.request("POST", path, data={**hidden_inputs(page.text), **data})


# --- The topology -----------------------------------------------------------------------------


@pytest.fixture
def topology(transactional_db, settings, tmp_path, _collected_static):
    """Start everything; yields a namespace of ports and helpers; stops everything after."""
    phases = Phases()
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    require(nginx_binary() is not None, "needs nginx (scripts/system-packages.sh)")
    require(redis_reachable(), "needs Redis on 127.0.0.1:6379")
    require(shutil.which("openssl") is not None, "needs openssl")
    require(
        (ROOT / "wijkaanpak" / "celery.py").exists() and (BIN / "celery").exists(),
        "needs the Celery app (wijkaanpak/celery.py) and celery",
    )
    import redis
    from aiosmtpd.controller import Controller

    work = tmp_path
    media = work / "media"
    media.mkdir()
    ports = {name: free_port() for name in ("a", "b", "https", "http", "smtp")}
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()

    db = connection.settings_dict
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings",
        "DEBUG": "false",
        "SECRET_KEY": "two-servers-" + hashlib.sha256(os.urandom(32)).hexdigest(),
        "DATABASE_URL": (
            f"postgres://{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
            f"@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(_collected_static),
        "EMAIL_URL": f"smtp://127.0.0.1:{ports['smtp']}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{ports['https']}",
        "SITE_URL": "https://wijkaanpak.example",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "SENDFILE_BACKEND": "nginx",
        "SECURE_SSL_REDIRECT": "true",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)  # the default: REDIS_URL
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=ports["smtp"])
    smtp.start()
    processes = Processes(work)
    try:
        for name in ("a", "b"):
            processes.start(
                f"gunicorn-{name}",
                [
                    str(BIN / "gunicorn"), "wijkaanpak.wsgi", "--bind",
                    f"127.0.0.1:{ports[name]}", "--workers", "2", "--timeout", "60",
                ],
                env,
            )  # fmt: skip
        processes.start(
            "celery-worker",
            [
                str(BIN / "celery"), "-A", "wijkaanpak", "worker", "--pool", "solo",
                "--loglevel", "INFO", "--without-gossip", "--without-mingle",
            ],
            env,
        )  # fmt: skip
        make_certificate(work)
        config = work / "nginx.conf"
        config.write_text(
            nginx_config(
                work,
                https_port=ports["https"],
                http_port=ports["http"],
                upstreams=(ports["a"], ports["b"]),
                static_root=_collected_static,
                media_root=media,
            )
        )
        nginx = nginx_binary()
        checked = subprocess.run(
            [nginx, "-t", "-q", "-c", str(config), "-e", str(work / "nginx-test.log")],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        errors = str(work / "nginx-error.log")
        processes.start("nginx", [nginx, "-c", str(config), "-e", errors], env)

        # While they start: the data, written by this process into the database the servers
        # share: the pilot, the demo accounts (with the production password hasher, which the
        # servers check) and a contract ready for signing, its final PDF in the shared media.
        settings.MEDIA_ROOT = media
        settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
        call_command("load_pilot_data", stdout=StringIO())
        settings.DEBUG = True  # create_demo_accounts refuses a production site
        call_command("create_demo_accounts", "--password", PASSWORD, stdout=StringIO())
        settings.DEBUG = False
        to_sign = contract_in_status(ContractStatus.READY_FOR_SIGNING)
        phases.done("data")

        for name in ("a", "b"):
            wait_for(
                f"server {name}",
                lambda name=name: (
                    requests.get(f"http://127.0.0.1:{ports[name]}/healthz", timeout=5).status_code
                    in (200, 503)
                ),
                processes,
            )
        wait_for(
            "nginx",
            lambda: (
                requests.get(
                    f"https://127.0.0.1:{ports['https']}/healthz",
                    verify=str(work / "cert.pem"),
                    timeout=5,
                ).status_code
                in (200, 503)
            ),
            processes,
        )
        wait_for("the worker", lambda: "ready" in processes.log("celery-worker"), processes)

        phases.done("servers")

        class Topology:
            pass

        topo = Topology()
        topo.ports, topo.work, topo.media, topo.sink = ports, work, media, sink
        topo.processes, topo.to_sign = processes, to_sign
        topo.cert = str(work / "cert.pem")
        topo.phases = phases
        topo.nginx = f"https://127.0.0.1:{ports['https']}"
        yield topo
    finally:
        processes.stop_all()
        smtp.stop()
        with contextlib.suppress(Exception):
            redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


def upstreams_that_served(work, path):
    """The app servers (ports) nginx sent requests for `path` to, from its access log."""
    ports = set()
    for line in (work / "nginx-access.log").read_text().splitlines():
        upstream, _status, uri = line.split(" ", 2)
        if uri == path and upstream != "-":  # "-": nginx answered itself
            ports.update(int(address.rsplit(":", 1)[1]) for address in upstream.split(", "))
    return ports


def log_in_to_admin(server, username):
    """The admin's login with password and the second factor (DEBUG is off)."""
    device = totp_device(get_user_model().objects.get(username=username))
    response = server.post_form(
        "/admin/login/?next=/admin/",
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": PASSWORD,
        },
    )
    assert response.status_code == 200, response.status_code
    step = hidden_inputs(response.text)
    response = server.request(
        "POST",
        "/admin/login/?next=/admin/",
        data={**step, "login_view-current_step": "token", "token-otp_token": totp_code(device)},
    )
    assert response.status_code == 302, response.text[-2000:]
    assert server.get("/admin/").status_code == 200


def test_two_app_servers_behind_nginx(topology):
    a, b = Direct(topology.ports["a"]), Direct(topology.ports["b"])

    # (a) A signing registered in the admin of server A ...
    contract = topology.to_sign
    log_in_to_admin(a, "redacteur")
    signing = f"/admin/contracts/contract/{contract.pk}/signing/"
    response = a.post_form(
        signing,
        {
            "signed_on": contract.signed_on.isoformat(),
            "signing_place": contract.signing_place,
            "parties": [str(pk) for pk in contract.parties.values_list("pk", flat=True)],
            "note": "",
        },
    )
    assert response.status_code == 302, response.text[-3000:]
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.SIGNED
    original = contract.signed_original
    archived = (topology.media / original.file.name).read_bytes()
    assert hashlib.sha256(archived).hexdigest() == original.sha256

    # ... is handed to nginx alike by both servers: the same file, the same fingerprint ...
    pdf_path = f"/wijken/{contract.neighbourhood.slug}/contract.pdf"
    answers = [server.get(pdf_path) for server in (a, b)]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.content == b""
        assert answer.headers["ETag"] == f'"{original.sha256}"'
    assert answers[0].headers["X-Accel-Redirect"] == answers[1].headers["X-Accel-Redirect"]
    assert answers[0].headers["X-Accel-Redirect"] == f"/protected-media/{original.file.name}"

    # ... and through nginx, from either server, byte for byte the archived original.
    for _ in range(4):
        response = requests.get(topology.nginx + pdf_path, verify=topology.cert, timeout=60)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["ETag"] == f'"{original.sha256}"'
        assert response.content == archived
    served_by = upstreams_that_served(topology.work, pdf_path)
    assert served_by == {topology.ports["a"], topology.ports["b"]}
    # The media folder itself is not served: /protected-media/ is internal.
    hidden = requests.get(
        f"{topology.nginx}/protected-media/{original.file.name}", verify=topology.cert, timeout=30
    )
    assert hidden.status_code == 404

    topology.phases.done("signing")

    # (b) A public update posted through server A shows on server B's next page.
    project = (
        Project.objects.filter(
            contract__neighbourhood__slug=WIJK,
            status__in=[ProjectStatus.ON_SCHEDULE, ProjectStatus.DELAYED],
        )
        .order_by("pk")
        .first()
    )
    page = f"/projecten/{project.pk}/"
    text = f"Twee servers, één wijk: update {os.urandom(4).hex()}"
    for server in (b, a, b):  # both have rendered (and may have cached) the page before
        before = server.get(page)
        assert before.status_code == 200
        assert text not in before.text
    team = Direct(topology.ports["a"])
    response = team.post_form("/team/inloggen/", {"username": f"team-{WIJK}", "password": PASSWORD})
    assert response.status_code == 302, response.text[-2000:]
    response = team.post_form(
        f"/team/projecten/{project.pk}/",
        {
            "date": timezone.localdate().isoformat(),
            "status": project.status,
            "percent_complete": str(project.percent_complete),
            "happened": text,
            "next_steps": "",
            "visibility": Visibility.PUBLIC,
        },
    )
    assert response.status_code == 302, response.text[-3000:]
    assert text in b.get(page).text
    assert text in requests.get(topology.nginx + page, verify=topology.cert, timeout=60).text

    topology.phases.done("update")

    # (c) A mail queued on server A is delivered once, by the worker.
    address = f"team-{WIJK}@demo.wijkaanpak.example"
    response = Direct(topology.ports["a"]).post_form(
        "/team/wachtwoord-vergeten/", {"email": address}
    )
    assert response.status_code == 302, response.text[-2000:]
    deadline = time.monotonic() + 30
    while not topology.sink.to(address) and time.monotonic() < deadline:
        topology.processes.check_running()
        time.sleep(0.5)
    assert len(topology.sink.to(address)) == 1, topology.processes.log("celery-worker")[-3000:]
    time.sleep(3)  # a second delivery would have come by now
    assert len(topology.sink.to(address)) == 1
    # By the worker, from the broker: not by server A itself.
    assert re.search(r"Task \S+\[\S+\] received", topology.processes.log("celery-worker"))

    topology.phases.done("mail")

    # (d) A bounded load run through nginx to both servers, without errors.
    report = topology.work / "locust"
    started = datetime.datetime.now()
    run = subprocess.run(
        [
            str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
            "--headless", "--users", "20", "--spawn-rate", "10", "--run-time", "30s",
            "--stop-timeout", "5", "--host", topology.nginx, "--csv", str(report),
            "--only-summary", "--loglevel", "WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "LOAD_WIJK": WIJK,
            "LOAD_PROJECT": str(project.pk),
            "LOAD_CA": topology.cert,
        },
        capture_output=True,
        text=True,
        timeout=90,
    )  # fmt: skip
    with open(f"{report}_stats.csv", newline="") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    requests_made, failures = int(total["Request Count"]), int(total["Failure Count"])
    print(
        f"\nload through nginx to two servers: {requests_made} requests in "
        f"{(datetime.datetime.now() - started).total_seconds():.0f} s, {failures} errors, "
        f"median {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms"
    )
    assert failures == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert requests_made > 100
    assert run.returncode == 0, run.stderr[-3000:]
    assert upstreams_that_served(topology.work, "/wijken/") == {
        topology.ports["a"],
        topology.ports["b"],
    }
    topology.processes.check_running()
    topology.phases.done("load")

    # (e) nginx's own answers are Dutch pages from deploy/nginx/errors/: a body over the
    # limit is refused before it reaches an app server ...
    path = "/initiatieven/aanvragen/"
    too_large = raw_post_headers(topology, path, content_length=31 * 1024 * 1024)
    assert too_large.status == 413
    body = too_large.read().decode()
    assert 'lang="nl"' in body
    assert "Bestand te groot" in body
    assert "Er is niets opgeslagen" in body
    assert upstreams_that_served(topology.work, path) == set()
    # ... and when no app server answers, the visitor reads that in Dutch too.
    for name in ("gunicorn-a", "gunicorn-b"):
        topology.processes.stop(name)
    down = requests.get(topology.nginx + "/wijken/", verify=topology.cert, timeout=30)
    assert down.status_code == 502
    assert "Wijkaanpak is even niet bereikbaar" in down.text
    assert down.headers["Cache-Control"] == "no-store"
    print(f"phases: {topology.phases}")


def raw_post_headers(topology, path, *, content_length):
    """A POST through nginx that declares a body of `content_length` bytes and sends none of
    it: nginx answers from the header alone."""
    context = ssl.create_default_context(cafile=topology.cert)
    port = int(topology.nginx.rsplit(":", 1)[1])
    client = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    client.putrequest("POST", path)
    client.putheader("Content-Type", "multipart/form-data; boundary=x")
    client.putheader("Content-Length", str(content_length))
    client.endheaders()
    return client.getresponse()
