"""Caching can never show a stale answer: after every write route the app has, every read is
compared with the answer of an app without caches on the same database.

The write routes and the reads are enumerated from the app itself (their declarations in
api/cacheability.py), so a new route cannot be forgotten: a route without a declaration, a
write without a recipe here, or a read without one fails the test.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute

from finch_sandbox.api.cacheability import RoutePolicy, flat_routes, policy_of
from finch_sandbox.app import FinchApp, create_app
from finch_sandbox.clock import FrozenClock
from finch_sandbox.settings import Settings
from finch_sandbox.storage.models import Job
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET

PUBLIC_URL = "http://sandbox.test/"
PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def declared_routes(app: FinchApp) -> dict[tuple[str, str], RoutePolicy | None]:
    """(method, path) of every API route of the app, with its declaration (None: none)."""
    out: dict[tuple[str, str], RoutePolicy | None] = {}
    for route in flat_routes(app.routes):
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                out[(method, route.path)] = policy_of(route.endpoint)
    return out


@dataclass
class World:
    """One connection, seen through the cached app; ids the recipes need."""

    cached: httpx.Client
    token: str
    company_id: str
    individual_ids: list[str]
    payment_id: str
    job_id: str
    benefit_id: str  # a 401(k) the first individual is enrolled in
    benefit_job_id: str  # the manual job of that enrollment
    assisted_token: str  # a Justworks connection: assisted benefits (register is for those)
    connection_id: str
    entity_id: str
    pay_group_id: str = ""
    document_id: str = ""

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


Request = tuple[str, str, dict[str, str], Any]  # method, path, headers, json (a str: a form)
Recipe = Callable[[World], Request]

# How to ask each read.
READS: dict[tuple[str, str], Recipe] = {
    ("GET", "/providers"): lambda w: ("GET", "/providers", {}, None),
    # Its links are built from the host asked; the two apps listen on different ports.
    ("GET", "/introspect"): lambda w: ("GET", "/introspect", w.bearer, None),
    ("GET", "/employer/company"): lambda w: ("GET", "/employer/company", w.bearer, None),
    ("GET", "/employer/directory"): lambda w: ("GET", "/employer/directory", w.bearer, None),
    ("GET", "/employer/payment"): lambda w: (
        "GET",
        "/employer/payment?start_date=2000-01-01&end_date=2100-01-01",
        w.bearer,
        None,
    ),
    ("POST", "/employer/individual"): lambda w: (
        "POST",
        "/employer/individual",
        w.bearer,
        {"requests": [{"individual_id": i} for i in w.individual_ids]},
    ),
    ("POST", "/employer/employment"): lambda w: (
        "POST",
        "/employer/employment",
        w.bearer,
        {"requests": [{"individual_id": i} for i in w.individual_ids]},
    ),
    ("POST", "/employer/pay-statement"): lambda w: (
        "POST",
        "/employer/pay-statement",
        w.bearer,
        {"requests": [{"payment_id": w.payment_id}]},
    ),
    ("GET", "/jobs/automated"): lambda w: ("GET", "/jobs/automated", w.bearer, None),
    ("GET", "/jobs/automated/{job_id}"): lambda w: (
        "GET",
        f"/jobs/automated/{w.job_id}",
        w.bearer,
        None,
    ),
    ("GET", "/jobs/manual/{job_id}"): lambda w: (
        "GET",
        f"/jobs/manual/{w.benefit_job_id}",
        w.bearer,
        None,
    ),
    ("GET", "/employer/benefits/meta"): lambda w: (
        "GET",
        "/employer/benefits/meta",
        w.bearer,
        None,
    ),
    ("GET", "/employer/benefits"): lambda w: ("GET", "/employer/benefits", w.bearer, None),
    ("GET", "/employer/benefits/{benefit_id}"): lambda w: (
        "GET",
        f"/employer/benefits/{w.benefit_id}",
        w.bearer,
        None,
    ),
    ("GET", "/employer/benefits/{benefit_id}/enrolled"): lambda w: (
        "GET",
        f"/employer/benefits/{w.benefit_id}/enrolled",
        w.bearer,
        None,
    ),
    ("GET", "/employer/benefits/{benefit_id}/individuals"): lambda w: (
        "GET",
        f"/employer/benefits/{w.benefit_id}/individuals",
        w.bearer,
        None,
    ),
    ("GET", "/sandbox/jobs/configuration"): lambda w: (
        "GET",
        "/sandbox/jobs/configuration",
        w.bearer,
        None,
    ),
    ("GET", "/employer/pay-groups"): lambda w: ("GET", "/employer/pay-groups", w.bearer, None),
    ("GET", "/employer/pay-groups/{pay_group_id}"): lambda w: (
        "GET",
        f"/employer/pay-groups/{w.pay_group_id}",
        w.bearer,
        None,
    ),
    ("GET", "/employer/pay-statement-item"): lambda w: (
        "GET",
        "/employer/pay-statement-item",
        w.bearer,
        None,
    ),
    ("GET", "/employer/pay-statement-item/rule"): lambda w: (
        "GET",
        "/employer/pay-statement-item/rule",
        w.bearer,
        None,
    ),
    ("GET", "/employer/documents"): lambda w: ("GET", "/employer/documents", w.bearer, None),
    ("GET", "/employer/documents/{document_id}"): lambda w: (
        "GET",
        f"/employer/documents/{w.document_id}",
        w.bearer,
        None,
    ),
    ("POST", "/forward"): lambda w: (
        "POST",
        "/forward",
        w.bearer,
        {"method": "GET", "route": "/people"},
    ),
    # The control plane. The events read is narrowed to a type no recipe delivers anywhere,
    # so the worker's delivery attempts cannot change it between the two apps' answers.
    ("GET", "/_finch-sandbox/webhooks/endpoints"): lambda w: (
        "GET",
        "/_finch-sandbox/webhooks/endpoints",
        {"Authorization": BASIC},
        None,
    ),
    ("GET", "/_finch-sandbox/webhooks/secret"): lambda w: (
        "GET",
        "/_finch-sandbox/webhooks/secret",
        {"Authorization": BASIC},
        None,
    ),
    ("GET", "/_finch-sandbox/webhooks/events"): lambda w: (
        "GET",
        "/_finch-sandbox/webhooks/events?event_type=account.updated",
        {"Authorization": BASIC},
        None,
    ),
    ("GET", "/_finch-sandbox/clock"): lambda w: (
        "GET",
        "/_finch-sandbox/clock",
        {"Authorization": BASIC},
        None,
    ),
    # The Connect page: a fresh session's first page, and its stylesheet.
    ("GET", "/authorize"): lambda w: ("GET", f"/authorize?session={_session(w)}", {}, None),
    ("GET", "/authorize/assets/{name}"): lambda w: (
        "GET",
        "/authorize/assets/connect.css",
        {},
        None,
    ),
}

RULE = {
    "conditions": [{"field": "category", "operator": "equals", "value": "taxes"}],
    "attributes": {"metadata": {"coherent": True}},
}


def _new_rule(w: World) -> str:
    answer = w.cached.post("/employer/pay-statement-item/rule", headers=w.bearer, json=RULE)
    return str(answer.json()["id"])


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REDIRECT_URI = "https://app.example.com/callback"


def _session(w: World, *, reauthenticate: bool = False) -> str:
    """A Connect session: for the world's connection (reauthentication), or a new one."""
    body: dict[str, Any]
    if reauthenticate:
        path, body = "/connect/sessions/reauthenticate", {"connection_id": w.connection_id}
    else:
        path = "/connect/sessions"
        body = {"customer_id": "c", "customer_name": "C", "products": ["directory"]}
    body["redirect_uri"] = REDIRECT_URI
    response = w.cached.post(path, headers={"Authorization": BASIC}, json=body)
    return str(response.json()["session_id"])


def _sign_in(session_id: str, password: str = "good_pass") -> str:
    return urlencode(
        {
            "session": session_id,
            "provider": "gusto",
            "method": "credential",
            "username": "good_user",
            "password": password,
        }
    )


def _signed_in_with(w: World, password: str) -> str:
    """A session whose sign-in is done and whose next step (MFA, entities) waits."""
    session_id = _session(w, reauthenticate=password == "mfa")
    w.cached.post("/authorize/sign-in", headers=FORM, content=_sign_in(session_id, password))
    return session_id


def _token_exchange(w: World) -> Request:
    """Reauthenticate the world's connection in the page; exchange the code it hands back."""
    session_id = _session(w, reauthenticate=True)
    done = w.cached.post("/authorize/sign-in", headers=FORM, content=_sign_in(session_id))
    code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
    body = {
        "code": code,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
    }
    return ("POST", "/auth/token", {}, body)


def _company_update(w: World) -> Request:
    company = w.cached.get("/employer/company", headers=w.bearer).json()
    fields = {k: company[k] for k in ("accounts", "departments", "ein", "entity", "locations")}
    fields |= {k: company[k] for k in ("primary_email", "primary_phone_number")}
    return ("PUT", "/sandbox/company", w.bearer, {**fields, "legal_name": "Coherent LLC"})


def _endpoint_removal(w: World) -> Request:
    added = w.cached.post(
        "/_finch-sandbox/webhooks/endpoints",
        headers={"Authorization": BASIC},
        json={"url": "http://127.0.0.1:9/removed"},
    ).json()
    return (
        "DELETE",
        f"/_finch-sandbox/webhooks/endpoints/{added['id']}",
        {"Authorization": BASIC},
        None,
    )


def _event_replay(w: World) -> Request:
    events = w.cached.get(
        "/_finch-sandbox/webhooks/events", headers={"Authorization": BASIC}
    ).json()["events"]
    replay = f"/_finch-sandbox/webhooks/events/{events[0]['id']}/replay"
    return ("POST", replay, {"Authorization": BASIC}, None)


SYNC: Recipe = lambda w: ("POST", "/sandbox/jobs", w.bearer, {"type": "data_sync_all"})  # noqa: E731

# How to perform each write.
WRITES: dict[tuple[str, str], Recipe] = {
    ("POST", "/sandbox/connections"): lambda w: (
        "POST",
        "/sandbox/connections",
        {"Authorization": BASIC},
        {"provider_id": "gusto", "employee_size": 2},
    ),
    ("POST", "/sandbox/connections/accounts"): lambda w: (
        "POST",
        "/sandbox/connections/accounts",
        {"Authorization": BASIC},
        {"company_id": w.company_id, "provider_id": "gusto", "authentication_type": "api_token"},
    ),
    ("PUT", "/sandbox/connections/accounts"): lambda w: (
        "PUT",
        "/sandbox/connections/accounts",
        w.bearer,
        {"connection_status": "reauth"},
    ),
    ("PUT", "/sandbox/company"): _company_update,
    ("PUT", "/sandbox/individual/{individual_id}"): lambda w: (
        "PUT",
        f"/sandbox/individual/{w.individual_ids[0]}",
        w.bearer,
        {"first_name": "Coherent"},
    ),
    ("PUT", "/sandbox/employment/{individual_id}"): lambda w: (
        "PUT",
        f"/sandbox/employment/{w.individual_ids[0]}",
        w.bearer,
        {"title": "Coherent Engineer"},
    ),
    ("POST", "/sandbox/directory"): lambda w: (
        "POST",
        "/sandbox/directory",
        w.bearer,
        [{"first_name": "Newcomer"}],
    ),
    ("POST", "/sandbox/payment"): lambda w: (
        "POST",
        "/sandbox/payment",
        w.bearer,
        {
            "start_date": "2026-10-01",
            "end_date": "2026-10-14",
            "pay_statements": [{"individual_id": w.individual_ids[0], "gross_pay": 100_000}],
        },
    ),
    ("POST", "/sandbox/jobs"): SYNC,
    ("PUT", "/sandbox/jobs/configuration"): lambda w: (
        "PUT",
        "/sandbox/jobs/configuration",
        w.bearer,
        {"type": "data_sync_all", "completion_status": "reauth_error"},
    ),
    ("POST", "/jobs/automated"): lambda w: (
        "POST",
        "/jobs/automated",
        w.bearer,
        {"type": "data_sync_all"},
    ),
    ("POST", "/disconnect"): lambda w: ("POST", "/disconnect", w.bearer, None),
    ("POST", "/employer/pay-statement-item/rule"): lambda w: (
        "POST",
        "/employer/pay-statement-item/rule",
        w.bearer,
        RULE,
    ),
    ("PUT", "/employer/pay-statement-item/rule/{rule_id}"): lambda w: (
        "PUT",
        f"/employer/pay-statement-item/rule/{_new_rule(w)}",
        w.bearer,
        {"attributes": {"metadata": {"coherent": "again"}}},
    ),
    ("DELETE", "/employer/pay-statement-item/rule/{rule_id}"): lambda w: (
        "DELETE",
        f"/employer/pay-statement-item/rule/{_new_rule(w)}",
        w.bearer,
        None,
    ),
    # The hardest case for caches: the token whose answers they hold moves to a new connection.
    ("POST", "/_finch-sandbox/scenario"): lambda w: (
        "POST",
        "/_finch-sandbox/scenario",
        {"Authorization": BASIC},
        {
            "connections": [
                {
                    "access_token": w.token,
                    "provider_id": "gusto",
                    "employee_size": 2,
                    "products": [
                        "company",
                        "directory",
                        "payment",
                        "pay_statement",
                        "documents",
                        "benefits",
                    ],
                    # Declared enrollments rewrite the pay history: the cached pay statements
                    # of the connection the token named before must not be answered.
                    "ids": {"employee": ["coherence-person"]},
                    "benefits": [
                        {
                            "id": "coherence-benefit",
                            "type": "401k",
                            "enrollments": [
                                {
                                    "individual_id": "coherence-person",
                                    "configuration": {
                                        "employee_deduction": {"type": "fixed", "amount": 1000}
                                    },
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    ),
    ("POST", "/_finch-sandbox/webhooks/endpoints"): lambda w: (
        "POST",
        "/_finch-sandbox/webhooks/endpoints",
        {"Authorization": BASIC},
        {"url": "http://127.0.0.1:9/hook"},
    ),
    ("DELETE", "/_finch-sandbox/webhooks/endpoints/{endpoint_id}"): _endpoint_removal,
    ("POST", "/_finch-sandbox/webhooks/secret/rotate"): lambda w: (
        "POST",
        "/_finch-sandbox/webhooks/secret/rotate",
        {"Authorization": BASIC},
        {"grace_seconds": 60},
    ),
    ("POST", "/_finch-sandbox/webhooks/events/{event_id}/replay"): _event_replay,
    # Moving the clock moves quota windows and job due times: cached answers must follow.
    ("POST", "/_finch-sandbox/clock/advance"): lambda w: (
        "POST",
        "/_finch-sandbox/clock/advance",
        {"Authorization": BASIC},
        {"seconds": 3600},
    ),
    ("POST", "/_finch-sandbox/clock/freeze"): lambda w: (
        "POST",
        "/_finch-sandbox/clock/freeze",
        {"Authorization": BASIC},
        {"at": "2026-11-03T09:00:00Z"},
    ),
    ("POST", "/_finch-sandbox/clock/unfreeze"): lambda w: (
        "POST",
        "/_finch-sandbox/clock/unfreeze",
        {"Authorization": BASIC},
        None,
    ),
    ("POST", "/_finch-sandbox/clock/reset"): lambda w: (
        "POST",
        "/_finch-sandbox/clock/reset",
        {"Authorization": BASIC},
        None,
    ),
    ("POST", "/disconnect-entity"): lambda w: (
        "POST",
        "/disconnect-entity",
        w.bearer,
        {"entity_ids": [w.entity_id]},
    ),
    ("POST", "/connect/sessions"): lambda w: (
        "POST",
        "/connect/sessions",
        {"Authorization": BASIC},
        {"customer_id": "c", "customer_name": "C", "products": ["company"]},
    ),
    ("POST", "/connect/sessions/reauthenticate"): lambda w: (
        "POST",
        "/connect/sessions/reauthenticate",
        {"Authorization": BASIC},
        {"connection_id": w.connection_id},
    ),
    ("POST", "/auth/token"): _token_exchange,
    ("POST", "/authorize/sign-in"): lambda w: (
        "POST",
        "/authorize/sign-in",
        FORM,
        _sign_in(_session(w, reauthenticate=True)),
    ),
    ("POST", "/authorize/mfa"): lambda w: (
        "POST",
        "/authorize/mfa",
        FORM,
        urlencode({"session": _signed_in_with(w, "mfa"), "code": "123456"}),
    ),
    ("POST", "/authorize/entities"): lambda w: (
        "POST",
        "/authorize/entities",
        FORM,
        urlencode(
            {"session": _signed_in_with(w, "multi_entity"), "entity": ["0", "1"]}, doseq=True
        ),
    ),
    ("POST", "/employer/benefits"): lambda w: (
        "POST",
        "/employer/benefits",
        w.bearer,
        {"type": "s125_medical", "description": "Medical"},
    ),
    ("POST", "/employer/benefits/register"): lambda w: (
        "POST",
        "/employer/benefits/register",
        {"Authorization": f"Bearer {w.assisted_token}"},
        {"type": "401k", "description": "Existing plan"},
    ),
    ("POST", "/employer/benefits/{benefit_id}"): lambda w: (
        "POST",
        f"/employer/benefits/{w.benefit_id}",
        w.bearer,
        {"description": "Renamed"},
    ),
    ("POST", "/employer/benefits/{benefit_id}/individuals"): lambda w: (
        "POST",
        f"/employer/benefits/{w.benefit_id}/individuals",
        w.bearer,
        [
            {
                "individual_id": w.individual_ids[1],
                "configuration": {"employee_deduction": {"type": "percent", "amount": 500}},
            }
        ],
    ),
    ("DELETE", "/employer/benefits/{benefit_id}/individuals"): lambda w: (
        "DELETE",
        f"/employer/benefits/{w.benefit_id}/individuals",
        w.bearer,
        {"individual_ids": [w.individual_ids[0]]},
    ),
}


@pytest.fixture
def apps(database_url: str, clock: FrozenClock) -> Iterator[tuple[ThreadedServer, ThreadedServer]]:
    """The app as it runs (caches, fast path, its worker) and one without any cache."""
    settings = Settings(
        database_url=database_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        seed=99,
        job_duration=0.0,
        refreshes_per_hour=100,
        public_url=PUBLIC_URL,
    )
    uncached = settings.model_copy(update={"response_cache_mb": 0, "worker": False})
    with (
        ThreadedServer(create_app(settings, clock=clock)) as cached_server,
        ThreadedServer(create_app(uncached, clock=clock)) as plain_server,
    ):
        yield cached_server, plain_server


def test_every_route_is_declared_and_every_declared_route_has_a_recipe() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    routes = declared_routes(app)
    undeclared = sorted(k for k, policy in routes.items() if policy is None)
    assert undeclared == [], f"routes without @reads/@writes: {undeclared}"
    writes = {k for k, policy in routes.items() if policy is not None and policy.writes}
    reads = set(routes) - writes
    assert writes == set(WRITES), "every write route needs a recipe here (and only those)"
    assert reads == set(READS), "every read route needs a recipe here (and only those)"
    cached = {k for k, policy in routes.items() if policy is not None and policy.cached}
    assert ("GET", "/employer/directory") in cached and ("POST", "/sandbox/jobs") in cached


def ask(client: httpx.Client, request: Request) -> tuple[int, Any]:
    method, path, headers, body = request
    if isinstance(body, str):
        response = client.request(method, path, headers=headers, content=body)
    else:
        response = client.request(method, path, headers=headers, json=body)
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code, response.json()
    # Pages name their session: compare them without it.
    return response.status_code, re.sub(
        r"session=[0-9a-f-]+|value=\"[0-9a-f-]{36}\"", "", response.text
    )


def settle(server: ThreadedServer) -> None:
    """Wait until the worker has finished every job (jobs take no time on the frozen clock)."""
    db = server.app.state.services.db
    deadline = time.monotonic() + 20
    while True:
        with UnitOfWork(db) as uow:
            busy = uow.session.query(Job).filter(Job.status.in_(("pending", "in_progress")))
            if busy.count() == 0:
                return
        assert time.monotonic() < deadline, "jobs never finished"
        time.sleep(0.02)


CLOCK_READ = ("GET", "/_finch-sandbox/clock")


def compare_reads(world: World, plain: httpx.Client, after: str) -> None:
    for key, recipe in READS.items():
        request = recipe(world)
        seen = ask(world.cached, request)
        truth = ask(plain, request)
        if key == CLOCK_READ and not truth[1]["frozen"]:
            # A running clock reads differently from one instant to the next.
            seen, truth = (seen[0], seen[1]["frozen"]), (truth[0], truth[1]["frozen"])
        assert seen == truth, f"after {after}: {key} answered from a stale cache"


@pytest.mark.parametrize("write", list(WRITES), ids=lambda k: f"{k[0]} {k[1]}")
def test_after_each_write_every_read_matches_an_uncached_app(
    apps: tuple[ThreadedServer, ThreadedServer], write: tuple[str, str]
) -> None:
    cached_server, plain_server = apps
    with (
        httpx.Client(base_url=cached_server.base_url, timeout=60) as cached,
        httpx.Client(base_url=plain_server.base_url, timeout=60) as plain,
    ):
        created = cached.post(
            "/sandbox/connections",
            headers={"Authorization": BASIC},
            json={
                "provider_id": "gusto",
                "authentication_type": "credential",
                "employee_size": 3,
                "products": [
                    "company",
                    "directory",
                    "individual",
                    "employment",
                    "payment",
                    "pay_statement",
                    "documents",
                    "benefits",
                ],
            },
        ).json()
        bearer = {"Authorization": f"Bearer {created['access_token']}"}
        assisted = cached.post(
            "/sandbox/connections",
            headers={"Authorization": BASIC},
            json={"provider_id": "justworks", "employee_size": 2, "products": ["benefits"]},
        ).json()
        people = cached.get("/employer/directory", headers=bearer).json()["individuals"]
        payments = cached.get(
            "/employer/payment?start_date=2000-01-01&end_date=2100-01-01", headers=bearer
        ).json()
        jobs = cached.get("/jobs/automated", headers=bearer).json()["data"]
        benefit_id = cached.post(
            "/employer/benefits", headers=bearer, json={"type": "401k"}
        ).json()["benefit_id"]
        enrolled = cached.post(
            f"/employer/benefits/{benefit_id}/individuals",
            headers=bearer,
            json=[{"individual_id": people[0]["id"]}],
        ).json()
        world = World(
            cached=cached,
            token=created["access_token"],
            company_id=created["company_id"],
            individual_ids=[p["id"] for p in people[:2]],
            payment_id=payments[0]["id"],
            job_id=jobs[0]["job_id"],
            pay_group_id=cached.get("/employer/pay-groups", headers=bearer).json()[0]["id"],
            document_id=cached.get("/employer/documents", headers=bearer).json()["documents"][0][
                "id"
            ],
            connection_id=created["connection_id"],
            entity_id=created["entity_id"],
            benefit_id=benefit_id,
            benefit_job_id=enrolled["job_id"],
            assisted_token=assisted["access_token"],
        )
        for _ in range(2):  # capture, then replay: every cacheable answer is now cached
            for recipe in READS.values():
                ask(cached, recipe(world))
        compare_reads(world, plain, "warming up")

        status, _ = ask(cached, WRITES[write](world))
        assert status in (200, 201, 202, 303), (write, status)
        settle(cached_server)
        compare_reads(world, plain, f"{write}")

        # What the write left on the provider side becomes visible with a sync.
        ask(cached, SYNC(world))
        settle(cached_server)
        compare_reads(world, plain, f"{write} and a sync")
