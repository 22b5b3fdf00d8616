"""Webhooks end to end: a real receiver on loopback verifies every delivery with the official
SDK's `webhooks.unwrap`; the sandbox clock is moved through the control plane, never slept."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from finch import Finch

from finch_sandbox.settings import Settings
from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET, make_client
from tests.receiver import Received, Receiver, unwrap_all
from tests.spec import SpecRecorder, schema_validator

SECRET = "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"  # the SDK test suite's secret
PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def settings(database_url: str, receiver: Receiver) -> Settings:
    return Settings(
        database_url=database_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        seed=1234,
        job_duration=0.0,
        webhook_urls=receiver.url,
        webhook_secret=SECRET,
    )


@pytest.fixture
def control(server: ThreadedServer) -> Iterator[httpx.Client]:
    """The control plane, with the application's client credentials."""
    with httpx.Client(
        base_url=server.base_url + "/_finch-sandbox", auth=(CLIENT_ID, CLIENT_SECRET)
    ) as http:
        yield http


def new_connection(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> tuple[Any, Finch]:
    """A connection, its client, and its creation's events already received and cleared."""
    created = app_client.sandbox.connections.create(
        provider_id="gusto", authentication_type="credential", products=PRODUCTS
    )
    initial = verified(receiver.wait_for(2), created.connection_id)
    assert sorted(e["event_type"] for e in initial) == [
        "job.initial_data_sync_org.succeeded",
        "job.initial_data_sync_payroll.succeeded",
    ]
    receiver.clear()
    return created, make_client(server.base_url, SpecRecorder(), created.access_token)


def verified(received: list[Received], connection_id: str | None = None) -> list[dict[str, Any]]:
    """Every request verified with the SDK, every body valid against the spec's WebhookEvent,
    each event sent with Finch's common fields."""
    events = unwrap_all(received, SECRET)
    validator = schema_validator("WebhookEvent")
    for item, event in zip(received, events, strict=True):
        validator.validate(item.event)
        assert item.event_id.startswith("msg_")
        assert set(item.event) == {
            "account_id",
            "company_id",
            "connection_id",
            "entity_id",
            "event_type",
            "data",
        }
        if connection_id is not None:
            assert event["connection_id"] == connection_id
    return [item.event for item in received]


def wait_for_job(client: Finch, job_id: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = client.jobs.automated.retrieve(job_id).status
        if status not in ("pending", "in_progress"):
            return status
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not end")


def settled(control: httpx.Client, event_type: str, attempts: int) -> None:
    """Wait until the server has logged `attempts` attempts (a retry is scheduled from when
    its attempt was settled, so the clock must not move before that)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = control.get("/webhooks/events", params={"event_type": event_type}).json()["events"]
        logged = sum(len(d["attempts"]) for e in events for d in e["deliveries"])
        if logged >= attempts:
            return
        time.sleep(0.02)
    raise AssertionError(f"{attempts} attempts were never logged")


def kinds(events: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Each event as (type, the id it is about)."""
    out: Counter[tuple[str, str]] = Counter()
    for event in events:
        data = event["data"] or {}
        about = data.get("individual_id") or data.get("payment_id") or data.get("job_id") or ""
        if event["event_type"].startswith("pay_statement."):
            about = f"{data['payment_id']}:{data['individual_id']}"
        out[(event["event_type"], about)] += 1
    return out


def test_edits_and_sync_send_exactly_what_changed(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> None:
    created, client = new_connection(app_client, server, receiver)
    people = client.hris.directory.list().individuals
    a, b = people[1], people[2]
    client.sandbox.individual.update(a.id, preferred_name="Zed")  # not a directory field
    client.sandbox.employment.update(b.id, title="Chief Tester")
    (hired,) = client.sandbox.directory.create(body=[{"first_name": "New", "last_name": "Hire"}])
    hired_id = hired["id"]  # type: ignore[index]  # the SDK types the items as `object`
    payment = client.sandbox.payment.create(
        start_date="2026-11-02",
        end_date="2026-11-15",
        pay_statements=[{"individual_id": a.id, "gross_pay": 100_000}],
    )
    company = client.hris.company.retrieve()
    client.sandbox.company.update(
        legal_name="Renamed Holdings, Inc.",
        ein=company.ein,
        entity={"type": "corporation", "subtype": "c_corporation"},
        primary_email=company.primary_email,
        primary_phone_number=company.primary_phone_number,
        departments=[{"name": "Engineering", "parent": None}],
        locations=[],
        accounts=[],
    )
    # A write that leaves a document as it was is no change, and sends nothing.
    c = people[3]
    (current,) = client.hris.employments.retrieve_many(requests=[{"individual_id": c.id}])
    client.sandbox.employment.update(c.id, title=current.body.title)  # type: ignore[union-attr]
    assert receiver.quiet_for(0.3) == [], "edits alone send nothing: the synced side is unchanged"

    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    assert wait_for_job(client, job.job_id) == "complete"
    receiver.wait_for(9)
    events = verified(receiver.quiet_for(0.5), created.connection_id)
    assert kinds(events) == Counter(
        {
            ("job.data_sync_all.completed", job.job_id): 1,
            ("individual.updated", a.id): 1,
            ("employment.updated", b.id): 1,
            ("directory.created", hired_id): 1,
            ("individual.created", hired_id): 1,
            ("employment.created", hired_id): 1,
            ("payment.created", payment.payment_id): 1,
            ("pay_statement.created", f"{payment.payment_id}:{a.id}"): 1,
            ("company.updated", ""): 1,
        }
    )
    job_event = next(e for e in events if e["event_type"] == "job.data_sync_all.completed")
    assert job_event["data"]["job_url"].endswith(f"/jobs/automated/{job.job_id}")
    assert job_event["company_id"] == created.company_id
    assert job_event["account_id"] == created.account_id
    assert job_event["entity_id"] == created.entity_id
    payment_event = next(e for e in events if e["event_type"] == "payment.created")
    assert payment_event["data"]["pay_date"] == payment.pay_date

    receiver.clear()
    again = client.sandbox.jobs.create(type="data_sync_all")
    assert again.job_id is not None and again.job_id != job.job_id
    assert wait_for_job(client, again.job_id) == "complete"
    receiver.wait_for(1)
    only = verified(receiver.quiet_for(0.5), created.connection_id)
    assert [(e["event_type"], e["data"]["job_id"]) for e in only] == [
        ("job.data_sync_all.completed", again.job_id)
    ], "an unchanged sync sends only its job event"


def test_a_job_ending_in_error_still_sends_its_completion(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> None:
    created, client = new_connection(app_client, server, receiver)
    client.sandbox.jobs.configuration.update(completion_status="error", type="data_sync_all")
    person = client.hris.directory.list().individuals[0]
    client.sandbox.individual.update(person.id, preferred_name="Unseen")
    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    assert wait_for_job(client, job.job_id) == "error"
    receiver.wait_for(1)
    events = verified(receiver.quiet_for(0.5), created.connection_id)
    assert [(e["event_type"], e["data"]["job_id"]) for e in events] == [
        ("job.data_sync_all.completed", job.job_id)
    ], "an error publishes nothing, so no data-change events"


def test_reauth_sends_account_updated(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> None:
    created, client = new_connection(app_client, server, receiver)
    # A job ending in reauth_error moves the connection to `reauth`.
    client.sandbox.jobs.configuration.update(completion_status="reauth_error", type="data_sync_all")
    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    receiver.wait_for(2)
    events = verified(receiver.quiet_for(0.5), created.connection_id)
    assert sorted(e["event_type"] for e in events) == [
        "account.updated",
        "job.data_sync_all.completed",
    ]
    account = next(e for e in events if e["event_type"] == "account.updated")
    assert account["data"] == {
        "status": "reauth",
        "authentication_method": {"type": "credential"},
    }
    receiver.clear()
    # The employer re-authenticates (PUT /sandbox/connections/accounts), and a status set
    # again to what it is changes nothing.
    client.sandbox.connections.accounts.update(connection_status="connected")
    client.sandbox.connections.accounts.update(connection_status="connected")
    receiver.wait_for(1)
    (back,) = verified(receiver.quiet_for(0.5), created.connection_id)
    assert back["event_type"] == "account.updated"
    assert back["data"]["status"] == "connected"


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    app_client: Finch, server: ThreadedServer, receiver: Receiver, control: httpx.Client
) -> None:
    created, client = new_connection(app_client, server, receiver)
    receiver.script = [500, 500]
    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    first = receiver.wait_for(1)
    assert receiver.quiet_for(0.3) == first, "the retry waits 5 s on the sandbox clock"
    settled(control, "job.data_sync_all.completed", 1)
    control.post("/clock/advance", json={"seconds": 5}).raise_for_status()
    receiver.wait_for(2)
    settled(control, "job.data_sync_all.completed", 2)
    assert receiver.quiet_for(0.3)[1:] == receiver.received[1:2], "the next waits 5 min"
    control.post("/clock/advance", json={"seconds": 300}).raise_for_status()
    attempts = receiver.wait_for(3)
    verified(attempts, created.connection_id)
    assert [r.answered for r in attempts] == [500, 500, 200]
    assert len({r.event_id for r in attempts}) == 1, "one finch-event-id across retries"
    assert len({r.body for r in attempts}) == 1
    # The receiver has answered; the server logs the outcome just after.
    settled(control, "job.data_sync_all.completed", 3)

    log = control.get(
        "/webhooks/events",
        params={
            "connection_id": created.connection_id,
            "event_type": "job.data_sync_all.completed",
        },
    )
    log.raise_for_status()
    (event,) = log.json()["events"]
    assert event["id"] == attempts[0].event_id
    (delivery,) = event["deliveries"]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert delivery["attempts"][0]["next_attempt_at"] is not None
    assert delivery["attempts"][2]["next_attempt_at"] is None
    assert all(a["latency_ms"] >= 0 for a in delivery["attempts"])


def test_retries_follow_finchs_schedule_then_fail(
    app_client: Finch, server: ThreadedServer, receiver: Receiver, control: httpx.Client
) -> None:
    created, client = new_connection(app_client, server, receiver)
    receiver.script = [503] * 10
    client.sandbox.connections.accounts.update(connection_status="error_permissions")
    receiver.wait_for(1)
    for n, wait in enumerate((5, 300, 1800, 7200), start=2):
        settled(control, "account.updated", n - 1)
        control.post("/clock/advance", json={"seconds": wait - 1}).raise_for_status()
        assert len(receiver.quiet_for(0.2)) == n - 1, f"attempt {n} is not due yet"
        control.post("/clock/advance", json={"seconds": 1}).raise_for_status()
        receiver.wait_for(n)
    settled(control, "account.updated", 5)
    control.post("/clock/advance", json={"seconds": 86400}).raise_for_status()
    assert len(receiver.quiet_for(0.5)) == 5, "five attempts, then no more"
    (event,) = control.get("/webhooks/events", params={"event_type": "account.updated"}).json()[
        "events"
    ]
    (delivery,) = event["deliveries"]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    assert [a["status_code"] for a in delivery["attempts"]] == [503] * 5

    # A replay sends it again, same event id, with a fresh schedule.
    receiver.script = []
    control.post(f"/webhooks/events/{event['id']}/replay").raise_for_status()
    replayed = receiver.wait_for(6)[-1]
    assert replayed.event_id == event["id"] and replayed.answered == 200
    verified(receiver.received, created.connection_id)


def test_a_wrong_secret_fails_verification(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> None:
    new_connection(app_client, server, receiver)
    receiver.clear()
    app_client.sandbox.connections.create(provider_id="gusto", products=["directory"])
    (only,) = receiver.wait_for(1)
    unwrap_all([only], SECRET)
    with pytest.raises(ValueError, match="signatures match"):
        unwrap_all([only], "c29tZSBvdGhlciBzZWNyZXQ=")
    tampered = Received(only.body.replace(b"org", b"pay"), only.headers, only.answered)
    with pytest.raises(ValueError, match="signatures match"):
        unwrap_all([tampered], SECRET)


def test_secret_rotation_signs_with_both_during_the_grace_period(
    app_client: Finch, server: ThreadedServer, receiver: Receiver, control: httpx.Client
) -> None:
    _created, client = new_connection(app_client, server, receiver)
    rotated = control.post("/webhooks/secret/rotate", json={"grace_seconds": 3600})
    rotated.raise_for_status()
    new_secret = rotated.json()["secret"]
    assert new_secret != SECRET and rotated.json()["previous"] == [SECRET]
    client.sandbox.connections.accounts.update(connection_status="reauth")
    (during,) = receiver.wait_for(1)
    assert len(during.headers["finch-signature"].split(" ")) == 2
    unwrap_all([during], SECRET)
    unwrap_all([during], new_secret)
    receiver.clear()
    control.post("/clock/advance", json={"seconds": 3601}).raise_for_status()
    assert control.get("/webhooks/secret").json() == {"secret": new_secret, "previous": []}
    client.sandbox.connections.accounts.update(connection_status="connected")
    (after,) = receiver.wait_for(1)
    unwrap_all([after], new_secret)
    with pytest.raises(ValueError):
        unwrap_all([after], SECRET)


def test_control_plane_endpoints_and_log(
    app_client: Finch,
    server: ThreadedServer,
    receiver: Receiver,
    control: httpx.Client,
) -> None:
    anonymous = httpx.get(server.base_url + "/_finch-sandbox/webhooks/endpoints")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == 401
    wrong = httpx.get(
        server.base_url + "/_finch-sandbox/webhooks/endpoints", auth=(CLIENT_ID, "nope")
    )
    assert wrong.status_code == 401

    (configured,) = control.get("/webhooks/endpoints").json()["endpoints"]
    assert configured["url"] == receiver.url
    bad = control.post("/webhooks/endpoints", json={"url": "ftp://example"})
    assert bad.status_code == 400 and set(bad.json()) >= {"code", "name", "message"}
    with Receiver() as second:
        added = control.post("/webhooks/endpoints", json={"url": second.url})
        assert added.status_code == 201
        created, _ = new_connection(app_client, server, receiver)
        got = verified(second.wait_for(2), created.connection_id)
        assert {e["event_type"] for e in got} == {
            "job.initial_data_sync_org.succeeded",
            "job.initial_data_sync_payroll.succeeded",
        }
        removed = control.delete(f"/webhooks/endpoints/{added.json()['id']}")
        assert removed.status_code == 200 and removed.json()["deleted"] is True
        assert control.delete(f"/webhooks/endpoints/{added.json()['id']}").status_code == 404
        app_client.sandbox.connections.create(provider_id="gusto", products=["directory"])
        receiver.wait_for(1)
        assert len(second.quiet_for(0.3)) == 2, "a removed endpoint gets nothing more"

    everything = control.get("/webhooks/events").json()["events"]
    assert len(everything) == 3
    mine = control.get("/webhooks/events", params={"connection_id": created.connection_id})
    assert {e["connection_id"] for e in mine.json()["events"]} == {created.connection_id}
    assert len(mine.json()["events"]) == 2
    payroll = control.get(
        "/webhooks/events", params={"event_type": "job.initial_data_sync_payroll.succeeded"}
    ).json()["events"]
    assert [e["connection_id"] for e in payroll] == [created.connection_id]
    assert control.get("/webhooks/events", params={"limit": 0}).status_code == 400
    missing = control.post("/webhooks/events/msg_nope/replay")
    assert missing.status_code == 404

    clock = control.get("/clock").json()
    assert clock["frozen"] is True
    moved = control.post("/clock/advance", json={"seconds": 60}).json()
    assert moved["now"] > clock["now"]
    assert control.post("/clock/advance", json={"seconds": "soon"}).status_code == 400


def test_a_hanging_receiver_blocks_neither_requests_nor_jobs(
    app_client: Finch, server: ThreadedServer, receiver: Receiver
) -> None:
    receiver.hold.clear()  # every delivery now hangs until released
    created = app_client.sandbox.connections.create(provider_id="gusto", products=PRODUCTS)
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    started = time.monotonic()
    person = client.hris.directory.list().individuals[0]
    client.sandbox.individual.update(person.id, preferred_name="Unblocked")
    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    assert wait_for_job(client, job.job_id) == "complete"
    (after,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": person.id}])
    assert after.body.preferred_name == "Unblocked"  # type: ignore[union-attr]
    assert time.monotonic() - started < 10
    assert receiver.received == [], "the deliveries are still hanging"
    receiver.hold.set()
    receiver.wait_for(4)
    events = verified(receiver.quiet_for(0.5), created.connection_id)
    assert sorted(e["event_type"] for e in events) == [
        "individual.updated",
        "job.data_sync_all.completed",
        "job.initial_data_sync_org.succeeded",
        "job.initial_data_sync_payroll.succeeded",
    ]


def test_a_rotated_in_secret_must_be_canonical_base64(control: httpx.Client) -> None:
    # Every SDK must be able to verify with it; the TypeScript SDK refuses this spelling.
    refused = control.post("/webhooks/secret/rotate", json={"secret": "mysecretkey="})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("[body:secret]: a webhook secret must be canonical")
    assert control.get("/webhooks/secret").json() == {"secret": SECRET, "previous": []}
