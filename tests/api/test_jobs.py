"""The data_sync_all loop through the official SDK: enqueue, poll, see the edits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Literal

import finch
import httpx
import pytest
from finch import Finch

from finch_sandbox.app import create_app
from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.services.job_types import JobContext, JobOutcome, JobType
from finch_sandbox.settings import Settings
from finch_sandbox.testing import ThreadedServer
from tests.clients import make_client
from tests.observe import burst, statements
from tests.spec import SpecRecorder

Outcome = Literal["complete", "error", "reauth_error", "permissions_error"]
FULL_PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


def wait_for_status(client: Finch, job_id: str, *, until: set[str], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        job = client.jobs.automated.retrieve(job_id)
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.status in until:
            return job, seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never reached {until}; saw {seen}")


@pytest.fixture
def slow_server(settings: Settings, clock: FrozenClock) -> Iterator[ThreadedServer]:
    """Jobs stay in_progress for one (frozen) second, so the test can watch every status."""
    slow = settings.model_copy(update={"job_duration": 1.0})
    with ThreadedServer(create_app(slow, clock=clock)) as running:
        yield running


def test_the_whole_loop(
    slow_server: ThreadedServer, clock: FrozenClock, spec_recorder: SpecRecorder
) -> None:
    app = make_client(slow_server.base_url, spec_recorder)
    created = app.sandbox.connections.create(provider_id="gusto", employee_size=10)
    client = make_client(slow_server.base_url, spec_recorder, created.access_token)

    person = client.hris.directory.list().individuals[3]
    client.sandbox.individual.update(person.id, first_name="Loop")
    client.sandbox.employment.update(person.id, title="Loop Engineer")
    company = client.hris.company.retrieve()
    client.sandbox.company.update(
        legal_name="Loop Corp",
        ein=company.ein,
        entity={"type": "llc", "subtype": None},
        primary_email=company.primary_email,
        primary_phone_number=company.primary_phone_number,
        departments=[{"name": "Everyone", "parent": None}],
        locations=[],
        accounts=[],
    )
    assert client.hris.company.retrieve().legal_name == company.legal_name
    assert client.hris.directory.list().individuals[3].first_name == person.first_name

    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.job_url == f"{slow_server.base_url}/jobs/automated/{job.job_id}"
    assert job.allowed_refreshes == 2 and job.remaining_refreshes == 1

    running, _ = wait_for_status(client, job.job_id, until={"in_progress"})
    assert running.started_at is not None and running.completed_at is None
    assert client.hris.company.retrieve().legal_name == company.legal_name, (
        "nothing visible mid-job"
    )
    # Moving the clock wakes the worker: the job may be complete by the first look.
    clock.advance(timedelta(seconds=1))
    done, seen = wait_for_status(client, job.job_id, until={"complete"})
    assert seen[-1] == "complete" and set(seen) <= {"in_progress", "complete"}
    assert done.started_at is not None and done.completed_at is not None
    assert done.created_at <= done.started_at <= done.completed_at
    assert done.scheduled_at is None

    assert client.hris.company.retrieve().legal_name == "Loop Corp"
    assert client.hris.directory.list().individuals[3].first_name == "Loop"
    (employment,) = client.hris.employments.retrieve_many(requests=[{"individual_id": person.id}])
    assert employment.body.title == "Loop Engineer"  # type: ignore[union-attr]
    info = client.account.introspect()
    assert info.connection_status.last_successful_sync is not None


def test_assisted_loop_has_no_job_and_shows_edits_at_once(
    server: ThreadedServer, app_client: Finch
) -> None:
    created = app_client.sandbox.connections.create(
        provider_id="adp_totalsource",
        authentication_type="assisted",
        employee_size=4,
        products=FULL_PRODUCTS,
    )
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    client.sandbox.connections.accounts.update(connection_status="connected")
    person = client.hris.directory.list().individuals[0]
    client.sandbox.individual.update(person.id, first_name="Assisted")
    assert client.hris.directory.list().individuals[0].first_name == person.first_name
    # The SDK types job_id as a string, but Finch documents null for assisted connections: a
    # non-strict client (the SDK's default) reads it, as users' code does.
    lenient = make_client(server.base_url, None, created.access_token, strict=False)
    job = lenient.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is None and job.job_url is None
    assert client.hris.directory.list().individuals[0].first_name == "Assisted"
    assert client.jobs.automated.list().data == []
    with pytest.raises(finch.BadRequestError) as info:
        client.jobs.automated.create(type="data_sync_all")
    assert isinstance(info.value.body, dict) and "Assisted" in info.value.body["message"]


def test_running_job_is_returned_again_without_using_quota(
    slow_server: ThreadedServer, clock: FrozenClock
) -> None:
    app = make_client(slow_server.base_url, SpecRecorder())
    created = app.sandbox.connections.create(provider_id="gusto", employee_size=2)
    client = make_client(slow_server.base_url, SpecRecorder(), created.access_token)
    first = client.jobs.automated.with_raw_response.create(type="data_sync_all")
    assert first.status_code == 201
    again = client.jobs.automated.with_raw_response.create(type="data_sync_all")
    assert again.status_code == 202
    assert again.parse().job_id == first.parse().job_id
    assert again.parse().remaining_refreshes == first.parse().remaining_refreshes == 1
    sandbox_again = client.sandbox.jobs.create(type="data_sync_all")
    assert sandbox_again.job_id == first.parse().job_id and sandbox_again.remaining_refreshes == 1


def test_concurrent_enqueues_make_exactly_one_job(slow_server: ThreadedServer) -> None:
    app = make_client(slow_server.base_url, SpecRecorder())
    created = app.sandbox.connections.create(provider_id="gusto", employee_size=2)
    barrier = threading.Barrier(20)
    results: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def fire(index: int) -> None:
        with httpx.Client(base_url=slow_server.base_url) as http:
            barrier.wait()
            path = "/sandbox/jobs" if index % 2 else "/jobs/automated"
            response = http.post(
                path,
                json={"type": "data_sync_all"},
                headers={"Authorization": f"Bearer {created.access_token}"},
            )
            with lock:
                results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 20
    job_ids = {body["job_id"] for _, body in results}
    assert len(job_ids) == 1
    assert sorted(code for code, _ in results).count(201) <= 1
    assert {body["remaining_refreshes"] for _, body in results} == {1}
    client = make_client(slow_server.base_url, SpecRecorder(), created.access_token)
    listed = client.jobs.automated.list()
    assert len([j for j in listed.data if j.status != "complete"]) == 1
    assert listed.meta.quotas.data_sync_all.remaining_refreshes == 1  # type: ignore[union-attr]


def test_quota_exhaustion_and_window_rollover(
    server: ThreadedServer, app_client: Finch, clock: FrozenClock
) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=2)
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    for expected_remaining in (1, 0):
        job = client.sandbox.jobs.create(type="data_sync_all")
        assert job.remaining_refreshes == expected_remaining
        wait_for_status(client, job.job_id, until={"complete"})
    with pytest.raises(finch.RateLimitError) as info:
        client.jobs.automated.create(type="data_sync_all")
    body = info.value.body
    assert body["allowed_refreshes"] == 2 and body["remaining_refreshes"] == 0  # type: ignore[index]
    assert body["name"] == "rate_limit_exceeded_error"  # type: ignore[index]
    assert body["finch_code"] == "finch_application_rl"  # type: ignore[index]
    # START is 15:30 UTC: the window is the clock hour, so the quota returns at 16:00.
    assert body["retry_at"] == "2026-11-02T16:00:00.000Z"  # type: ignore[index]
    assert info.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(finch.RateLimitError):
        client.sandbox.jobs.create(type="data_sync_all")
    clock.advance(timedelta(minutes=30))
    job = client.sandbox.jobs.create(type="data_sync_all")
    assert job.remaining_refreshes == 1


@pytest.mark.parametrize("outcome", ["complete", "error", "reauth_error", "permissions_error"])
def test_completion_status_decides_how_jobs_end(client: Finch, outcome: Outcome) -> None:
    (config,) = client.sandbox.jobs.configuration.retrieve()
    assert (config.type, config.completion_status) == ("data_sync_all", "complete")
    updated = client.sandbox.jobs.configuration.update(
        type="data_sync_all", completion_status=outcome
    )
    assert updated.completion_status == outcome
    person = client.hris.directory.list().individuals[0]
    client.sandbox.individual.update(person.id, first_name="Configured")
    job = client.sandbox.jobs.create(type="data_sync_all")
    done, _ = wait_for_status(
        client, job.job_id, until={"complete", "error", "reauth_error", "permissions_error"}
    )
    assert done.status == outcome
    status = client.account.introspect().connection_status.status
    if outcome == "reauth_error":
        assert status == "reauth"
        with pytest.raises(finch.AuthenticationError) as info:
            client.hris.directory.list()
        assert info.value.body["finch_code"] == "reauthenticate_user"  # type: ignore[index]
        client.sandbox.connections.accounts.update(connection_status="connected")
    else:
        assert status == "connected"
    first_name = client.hris.directory.list().individuals[0].first_name
    assert (first_name == "Configured") is (outcome == "complete"), "errors publish nothing"


def test_another_connections_job_is_404(server: ThreadedServer, app_client: Finch) -> None:
    a = app_client.sandbox.connections.create(provider_id="gusto", employee_size=1)
    b = app_client.sandbox.connections.create(provider_id="gusto", employee_size=1)
    client_a = make_client(server.base_url, SpecRecorder(), a.access_token)
    client_b = make_client(server.base_url, SpecRecorder(), b.access_token)
    job = client_a.sandbox.jobs.create(type="data_sync_all")
    with pytest.raises(finch.NotFoundError):
        client_b.jobs.automated.retrieve(job.job_id)
    with pytest.raises(finch.NotFoundError):
        client_b.jobs.manual.retrieve(job.job_id)
    assert job.job_id not in [j.job_id for j in client_b.jobs.automated.list().data]


def test_initial_sync_is_listed_and_uses_no_quota(client: Finch) -> None:
    listed = client.jobs.automated.list()
    assert [j.status for j in listed.data] == ["complete"]
    assert listed.data[0].type == "data_sync_all"
    assert listed.meta.quotas.data_sync_all.remaining_refreshes == 2  # type: ignore[union-attr]


def test_jobs_are_listed_newest_first_with_paging(client: Finch) -> None:
    first = client.sandbox.jobs.create(type="data_sync_all")
    wait_for_status(client, first.job_id, until={"complete"})
    second = client.sandbox.jobs.create(type="data_sync_all")
    wait_for_status(client, second.job_id, until={"complete"})
    listed = client.jobs.automated.list()
    assert [j.job_id for j in listed.data[:2]] == [second.job_id, first.job_id]
    assert len(listed.data) == 3
    page = client.jobs.automated.list(limit=1, offset=1)
    assert [j.job_id for j in page.data] == [first.job_id]


@pytest.mark.parametrize("body", [{"type": "w4_form_employee_sync"}, {"type": "nonsense"}, {}])
def test_unknown_job_types_are_refused(
    raw: httpx.Client, connection: Any, body: dict[str, str]
) -> None:
    for path in ("/sandbox/jobs", "/jobs/automated"):
        response = raw.post(
            path, json=body, headers={"Authorization": f"Bearer {connection.access_token}"}
        )
        assert response.status_code == 400
        assert "[body:type]" in response.json()["message"]


@pytest.fixture
def workerless_server(settings: Settings, clock: FrozenClock) -> Iterator[ThreadedServer]:
    """No job worker: jobs stay pending, so nothing but the requests moves a connection."""
    quiet = settings.model_copy(update={"worker": False})
    with ThreadedServer(create_app(quiet, clock=clock)) as running:
        yield running


def test_a_burst_of_enqueues_takes_the_database_once(workerless_server: ThreadedServer) -> None:
    services: Services = workerless_server.app.state.services
    app = make_client(workerless_server.base_url, SpecRecorder())
    tokens = [
        app.sandbox.connections.create(provider_id="gusto", employee_size=2).access_token
        for _ in range(2)
    ]
    for token in tokens:  # authenticated once, so both are measured with a cached token
        make_client(workerless_server.base_url, SpecRecorder(), token).account.introspect()

    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    with statements(services.db.engine, r"\b(accounts|jobs)\b") as one:
        first = make_client(workerless_server.base_url, SpecRecorder(), tokens[0])
        assert first.sandbox.jobs.create(type="data_sync_all").job_id
    with statements(services.db.engine, r"\b(accounts|jobs)\b") as many:
        answers = burst(
            workerless_server.base_url,
            32,
            "POST",
            "/sandbox/jobs",
            headers=auth(tokens[1]),
            json={"type": "data_sync_all"},
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert {a.json()["remaining_refreshes"] for a in answers} == {1}
    # One enqueue writes; the other 31 get its job back without a transaction each.
    assert many.n <= 2 * one.n, (many.n, one.n)


def test_manual_jobs_are_answered_at_jobs_manual(server: ThreadedServer, client: Finch) -> None:
    """A manual job type (benefit enrollments will be one) runs through the same worker and
    is found at /jobs/manual/{job_id}, with its per-item body; not at /jobs/automated."""
    services: Services = server.app.state.services

    def enrol(context: JobContext) -> JobOutcome:
        body = [{"individual_id": "x", "code": 201, "message": "Successfully enrolled"}]
        return JobOutcome("complete", result=body)

    services.job_types.register(JobType("test_manual_enrollment", "manual", enrol))
    connection_id = client.account.introspect().connection_id
    job = services.sync_jobs.enqueue(connection_id, "test_manual_enrollment")
    deadline = time.monotonic() + 10
    while (found := client.jobs.manual.retrieve(job.id)).status != "complete":
        assert time.monotonic() < deadline, found.status
        time.sleep(0.02)
    assert found.job_id == job.id
    assert found.body == [{"individual_id": "x", "code": 201, "message": "Successfully enrolled"}]
    with pytest.raises(finch.NotFoundError):
        client.jobs.automated.retrieve(job.id)
