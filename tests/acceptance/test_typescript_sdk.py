"""The official TypeScript SDK (@tryfinch/finch-api, pinned by tests/sdk_ts/package-lock.json)
against a real `finch-sandbox serve`: tests/sdk_ts/flow.mjs runs an integration's flow with it
and prints what it saw, and this test compares that with what the server's data says (read
here over plain HTTP and with the Python SDK), so a wire difference between the SDKs (query
arrays, empty bodies, auth schemes, retries, error classes, webhook secrets) shows here.

Node and npm are required (CI has them): without them the test fails saying so, never skips.
`npm ci` runs once per change of the lock file; node_modules is reused otherwise.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from finch_sandbox.ids import new_webhook_secret
from finch_sandbox.services.signing import check_secret
from tests.acceptance.processes import database_env, serve
from tests.clients import make_client

PROGRAM = Path(__file__).resolve().parents[1] / "sdk_ts"
STAMP = PROGRAM / "node_modules" / ".finch-sandbox-installed"
CREDS = {"FINCH_SANDBOX_CLIENT_ID": "ts-id", "FINCH_SANDBOX_CLIENT_SECRET": "ts-secret"}
EMPLOYEES = 7
PAGE_SIZE = 3  # flow.mjs reads the directory in pages of this size

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FINCH_SANDBOX_TEST_DATABASE_URL")),
    reason="runs on the SQLite pass only: it tests the HTTP surface the SDK sees, not storage",
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH: this test runs the official TypeScript SDK with Node.js "
            "(20 or later, with npm); install Node.js to run the suite"
        )
    return path


def _lock_digest() -> str:
    return hashlib.sha256(
        (PROGRAM / "package.json").read_bytes() + (PROGRAM / "package-lock.json").read_bytes()
    ).hexdigest()


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    """`node`, with tests/sdk_ts/node_modules installed from the lock file (once per lock)."""
    node = _tool("node")
    major = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    if int(major.stdout.strip().lstrip("v").split(".")[0]) < 20:
        pytest.fail(f"Node.js 20 or later is needed, found {major.stdout.strip()}")
    npm = _tool("npm")
    # pytest-xdist workers may reach this at once; npm ci deletes node_modules first.
    lock_path = Path(tempfile.gettempdir()) / (
        "finch-sandbox-sdk-ts-" + hashlib.sha256(str(PROGRAM).encode()).hexdigest()[:12] + ".lock"
    )
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = _lock_digest()
        if not STAMP.exists() or STAMP.read_text() != digest:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=PROGRAM,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
            STAMP.write_text(digest)
    yield node


def test_the_program_type_checks_against_the_sdk_types(node: str) -> None:
    """flow.mjs is checked by tsc (strict, checkJs) against the installed SDK's .d.ts files, so
    it calls the SDK as its types say a TypeScript integration would."""
    tsc = PROGRAM / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run(
        [node, str(tsc), "-p", "."], cwd=PROGRAM, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sdk_refuses_the_webhook_secrets_the_server_refuses(node: str) -> None:
    """Why the server asks for canonical base64 secrets (services/signing.check_secret): the
    TypeScript SDK cannot verify with any other spelling, however valid the signature."""
    script = """
    import Finch from '@tryfinch/finch-api';
    const hooks = new Finch({ accessToken: 'unused' }).webhooks;
    const headers = { 'finch-event-id': 'msg_1', 'finch-timestamp': String(Math.floor(Date.now() / 1000)),
                      'finch-signature': 'v1,x' };
    for (const secret of process.argv.slice(1)) {
      try { hooks.verifySignature('{}', headers, secret); } catch (err) { console.log(String(err)); }
    }
    """
    loose, canonical = "mysecretkey=", new_webhook_secret()
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, loose, canonical],
        cwd=PROGRAM,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Error: Given secret is not valid",
        "Error: None of the given webhook signatures match the expected signature",
    ]
    with pytest.raises(ValueError, match="canonical"):
        check_secret(loose)
    assert check_secret(canonical)


def test_the_readme_quickstart_runs_as_written(
    node: str, tmp_path: Path, database_url: str
) -> None:
    """README's TypeScript snippet, with its base URL pointed at a fresh server, lists the
    directory of the connection it creates: the docs a new user copies keep working."""
    readme = (PROGRAM.parents[1] / "README.md").read_text()
    snippet = readme.split("```js\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:4010" in snippet
    env = {
        "FINCH_SANDBOX_CLIENT_ID": "finch-sandbox-client-id",
        "FINCH_SANDBOX_CLIENT_SECRET": "finch-sandbox-client-secret",
        **database_env(database_url, tmp_path / "data"),
    }
    with serve(env, tmp_path) as base:
        # In the SDK's folder, so that the import resolves to the locked SDK.
        program = PROGRAM / f"readme-{os.getpid()}-{tmp_path.name}.mjs"
        program.write_text(snippet.replace("http://127.0.0.1:4010", base))
        try:
            done = subprocess.run(
                [node, program.name],
                cwd=PROGRAM,
                # Nothing from the environment: the snippet must say all it needs itself.
                env={k: v for k, v in os.environ.items() if not k.startswith("FINCH_")},
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            program.unlink()
        assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    # One line per person of the 20-person company the snippet connects to, each a name.
    assert len(printed) == 20, done.stdout
    assert all(
        len(line.split(" ")) >= 2 and "undefined" not in line and "null" not in line
        for line in printed
    ), printed


def run_flow(node: str, base: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINCH_")}
    env.update(
        FINCH_BASE_URL=base,
        FINCH_CLIENT_ID=CREDS["FINCH_SANDBOX_CLIENT_ID"],
        FINCH_CLIENT_SECRET=CREDS["FINCH_SANDBOX_CLIENT_SECRET"],
    )
    done = subprocess.run(
        [node, "flow.mjs", str(EMPLOYEES)],
        cwd=PROGRAM,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"flow.mjs failed:\n{done.stderr[:8000]}"
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def test_an_integration_flow_through_the_typescript_sdk(
    node: str, tmp_path: Path, database_url: str
) -> None:
    env = {
        **CREDS,
        **database_env(database_url, tmp_path / "data"),
        # Long enough for a poll to see the job before it publishes, short for the test.
        "FINCH_SANDBOX_JOB_DURATION": "0.3",
    }
    with serve(env, tmp_path) as base:
        seen = run_flow(node, base)
        token = seen["connection"]["access_token"]
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            check_reads(seen, http)
            check_edit_and_sync(seen, http)
            check_benefits(seen, http)
            check_jobs_errors_and_exchanges(seen, http)
        check_entities(seen, base)
        check_python_sdk(seen, base)
        with httpx.Client(base_url=base, auth=("ts-id", "ts-secret"), timeout=60) as control:
            check_webhooks(seen, control)


def check_reads(seen: dict[str, Any], http: httpx.Client) -> None:
    assert seen["sdk_version"] == installed_sdk_version()
    connection = seen["connection"]
    introspection = http.get("/introspect").json()
    # The flow introspected between its two syncs: the last sync then was the sandbox job's.
    synced_then = seen["edit"]["job"]["final"]["completed_at"]
    assert seen["introspection"]["connection_status"]["last_successful_sync"] == synced_then
    refresh = http.get(f"/jobs/automated/{seen['quota']['refresh']['job_id']}").json()
    assert introspection["connection_status"]["last_successful_sync"] == refresh["completed_at"]
    assert without_sync_times(seen["introspection"]) == without_sync_times(introspection)
    assert introspection["connection_id"] == connection["connection_id"]
    assert seen["company"] == {
        k: v for k, v in http.get("/employer/company").json().items() if k in seen["company"]
    }
    assert seen["company"]["id"] == connection["company_id"]

    # The directory before the edit: the server's directory now, less the person added and with
    # the edited person's name as it was.
    edited, added = seen["edit"]["individual_id"], seen["edit"]["added"][0]["id"]
    now = http.get("/employer/directory").json()["individuals"]
    before = [
        {"id": p["id"], "first_name": p["first_name"], "last_name": p["last_name"]}
        for p in now
        if p["id"] != added
    ]
    original = seen["edit"]["first_name_before_sync"]
    before = [p | {"first_name": original} if p["id"] == edited else p for p in before]
    assert seen["directory"] == before
    assert len(seen["directory"]) == EMPLOYEES
    # Read through auto-pagination, one page of PAGE_SIZE after another.
    pages = [
        e["query"]
        for e in seen["exchanges"]
        if e["path"] == "/employer/directory" and e["method"] == "GET"
    ]
    first_listing = pages[: -(-EMPLOYEES // PAGE_SIZE)]
    assert first_listing == [
        f"?limit={PAGE_SIZE}" + (f"&offset={o}" if o else "")
        for o in range(0, EMPLOYEES, PAGE_SIZE)
    ]

    ids = [p["id"] for p in seen["directory"]]
    unchanged = [i for i in ids if i != edited]
    for path, key in (
        ("/employer/individual", "individuals"),
        ("/employer/employment", "employments"),
    ):
        body = {"requests": [{"individual_id": i} for i in unchanged]}
        expected = http.post(path, json=body).json()["responses"]
        assert [r for r in seen[key] if r["individual_id"] != edited] == expected
        assert [r["code"] for r in seen[key]] == [200] * EMPLOYEES

    range_ = seen["payment_range"]
    payments = http.get("/employer/payment", params=range_).json()
    assert [p["id"] for p in seen["payments"]] == [p["id"] for p in payments]
    assert seen["payments"], "the generated company has pay history"
    statements = {
        r["payment_id"]: [s["individual_id"] for s in r["body"]["pay_statements"]]
        for r in http.post(
            "/employer/pay-statement",
            json={"requests": [{"payment_id": r["payment_id"]} for r in seen["pay_statements"]]},
        ).json()["responses"]
    }
    assert len(seen["pay_statements"]) == 3
    for response in seen["pay_statements"]:
        assert response["code"] == 200
        assert response["individuals"] == statements[response["payment_id"]]
        assert set(response["individuals"]) == set(ids)


def without_sync_times(introspection: dict[str, Any]) -> dict[str, Any]:
    def status(value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if k != "last_successful_sync"}

    return introspection | {
        "connection_status": status(introspection["connection_status"]),
        "authentication_methods": [
            m | {"connection_status": status(m["connection_status"])}
            for m in introspection["authentication_methods"]
        ],
    }


def check_edit_and_sync(seen: dict[str, Any], http: httpx.Client) -> None:
    edit = seen["edit"]
    person = edit["individual_id"]
    assert edit["update_response"]["first_name"] == "Typescript"
    assert edit["update_response"]["middle_name"] is None
    assert edit["first_name_before_sync"] not in (None, "Typescript")
    assert edit["first_name_after_sync"] == "Typescript"
    synced = http.post("/employer/individual", json={"requests": [{"individual_id": person}]})
    assert synced.json()["responses"][0]["body"]["first_name"] == "Typescript"

    job = edit["job"]
    assert job["created"]["job_id"] == job["final"]["job_id"]
    assert job["created"]["remaining_refreshes"] == job["created"]["allowed_refreshes"] - 1
    assert job["final"] == http.get(f"/jobs/automated/{job['created']['job_id']}").json()
    assert job["final"]["status"] == "complete"
    # Each poll saw a status at least as far along as the one before.
    order = ["pending", "in_progress", "complete"]
    assert job["statuses"][-1] == "complete"
    assert job["statuses"] == sorted(job["statuses"], key=order.index)

    added = edit["added"]
    assert [(a["first_name"], a["last_name"], a["title"]) for a in added] == [
        ("Ada", "Lovelace", "Analyst")
    ]
    directory = http.get("/employer/directory").json()["individuals"]
    assert edit["directory_after"] == [
        {"id": p["id"], "first_name": p["first_name"], "last_name": p["last_name"]}
        for p in directory
    ]
    assert added[0]["id"] in {p["id"] for p in directory}
    assert len(directory) == EMPLOYEES + 1


def check_benefits(seen: dict[str, Any], http: httpx.Client) -> None:
    benefits = seen["benefits"]
    benefit_id = benefits["created"]["benefit_id"]
    stored = http.get(f"/employer/benefits/{benefit_id}").json()
    assert (stored["type"], stored["description"], stored["frequency"]) == (
        "401k",
        "TypeScript 401(k)",
        "every_paycheck",
    )
    assert benefits["listed"] == [
        {"benefit_id": b["benefit_id"], "type": b["type"], "description": b["description"]}
        for b in http.get("/employer/benefits").json()
    ]
    for job_key, created_key in (("create_job", "created"), ("enroll_job", "enrollment")):
        job = benefits[job_key]
        assert job["job_id"] == benefits[created_key]["job_id"]
        assert job == http.get(f"/jobs/manual/{job['job_id']}").json()
        assert job["status"] == "complete"
        assert [item["code"] for item in job["body"]] == [201]
    enrolled = http.get(f"/employer/benefits/{benefit_id}/enrolled").json()
    assert benefits["enrolled"] == enrolled
    assert enrolled["individual_ids"] == [seen["directory"][0]["id"]]


def check_jobs_errors_and_exchanges(seen: dict[str, Any], http: httpx.Client) -> None:
    quota = seen["quota"]
    assert quota["refresh"]["remaining_refreshes"] == 0
    assert quota["again"]["job_id"] == quota["refresh"]["job_id"]  # the same job, no new one
    assert quota["listed"] == http.get("/jobs/automated").json()

    errors = seen["errors"]
    expected = {
        "unknown_job": ("NotFoundError", 404, "not_found_error"),
        "unknown_benefit": ("NotFoundError", 404, "not_found_error"),
        "bad_token": ("AuthenticationError", 401, "invalid_token_error"),
        "bad_client_secret": ("AuthenticationError", 401, "invalid_client_error"),
        "rate_limited": ("RateLimitError", 429, "rate_limit_exceeded_error"),
    }
    assert {k: (e["class"], e["status"], e["body"]["name"]) for k, e in errors.items()} == expected
    assert all(e["request_id"] for e in errors.values()), "every answer has a Finch-Request-Id"
    assert errors["rate_limited"]["body"]["retry_at"]
    assert (
        errors["unknown_job"]["body"]
        == http.get("/jobs/automated/6f1f4d43-7f2b-4f5c-9a4c-000000000000").json()
    )

    exchanges = seen["exchanges"]
    # No request was retried: nothing failed that the SDK retries (5xx, 408, 409), and the
    # refused refresh said not to (x-should-retry: false), so it was sent once.
    assert {e["retry"] for e in exchanges} == {"0"}
    assert [e["status"] for e in exchanges if e["status"] >= 400] == [
        429,
        404,
        404,
        401,
        401,
        400,
    ]
    assert [e["status"] for e in exchanges if e["path"] == "/jobs/automated"] == [
        201,
        202,
        429,
        200,
    ]


def check_entities(seen: dict[str, Any], base: str) -> None:
    """Reads of one entity of a multi-entity connection: the SDK sends `entity_ids[]=<id>` (its
    brackets array format), in the query of GETs and of POST batch reads alike."""
    multi = seen["multi_entity"]
    first, second = multi["entity_ids"]
    named = {"entity_ids[]": second}
    headers = {"Authorization": f"Bearer {multi['access_token']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        directory = http.get("/employer/directory", params=named).json()["individuals"]
        assert multi["directory"] == [p["id"] for p in directory]
        assert len(directory) == 2  # the second entity's own company
        assert multi["company_id"] == http.get("/employer/company", params=named).json()["id"]
        first_company = http.get("/employer/company", params={"entity_ids[]": first}).json()
        assert multi["company_id"] != first_company["id"]
    assert multi["individuals"] == [{"individual_id": i, "code": 200} for i in multi["directory"]]
    assert (multi["no_entity"]["class"], multi["no_entity"]["status"]) == ("BadRequestError", 400)
    assert "entity_ids" in multi["no_entity"]["body"]["message"]
    sent = [e["query"] for e in seen["exchanges"] if e["query"].startswith("?entity_ids")]
    assert sent == [f"?entity_ids[]={second}"] * 3


def check_webhooks(seen: dict[str, Any], control: httpx.Client) -> None:
    webhooks = seen["webhooks"]
    assert webhooks["secret_set"]
    assert webhooks["tampered_refused"] and "signature" in webhooks["tampered_refused"]
    verified = {v["event_id"]: v["key"] for v in webhooks["verified"]}
    assert len(verified) == len(webhooks["verified"]), "each event delivered once"

    def key(event: dict[str, Any]) -> str:
        data = event["payload"].get("data") or {}
        about = (
            data.get("job_id")
            or data.get("individual_id")
            or data.get("payment_id")
            or event["connection_id"]
        )
        return f"{event['event_type']}:{about}"

    # The receiver answers before the server records the delivery: wait for the log to catch up.
    deadline = time.monotonic() + 15
    while True:
        events = control.get("/_finch-sandbox/webhooks/events").json()["events"]
        delivered = {
            e["id"]: key(e)
            for e in events
            if any(d["status"] == "delivered" for d in e["deliveries"])
        }
        if verified.keys() <= delivered.keys() or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert verified == {i: delivered.get(i) for i in verified}
    edit, benefits = seen["edit"], seen["benefits"]
    assert {
        f"job.data_sync_all.completed:{edit['job']['created']['job_id']}",
        f"individual.updated:{edit['individual_id']}",
        f"directory.created:{edit['added'][0]['id']}",
        f"job.benefit_create.completed:{benefits['created']['job_id']}",
        f"job.benefit_enroll.completed:{benefits['enrollment']['job_id']}",
    } <= set(verified.values())


def installed_sdk_version() -> str:
    package = json.loads(
        (PROGRAM / "node_modules" / "@tryfinch" / "finch-api" / "package.json").read_text()
    )
    version: str = package["version"]
    return version


def check_python_sdk(seen: dict[str, Any], base: str) -> None:
    """The Python SDK reads what the TypeScript flow wrote, as a polyglot team's services would."""
    client = make_client(
        base, None, seen["connection"]["access_token"], client_id="ts-id", client_secret="ts-secret"
    )
    assert client.account.introspect().connection_id == seen["connection"]["connection_id"]
    person = seen["edit"]["individual_id"]
    found = client.hris.individuals.retrieve_many(requests=[{"individual_id": person}])
    assert [r.body.first_name for r in found] == ["Typescript"]  # type: ignore[union-attr]
    benefit = client.hris.benefits.retrieve(seen["benefits"]["created"]["benefit_id"])
    assert benefit.description == "TypeScript 401(k)"
    assert [p.id for p in client.hris.directory.list()] == [
        p["id"] for p in seen["edit"]["directory_after"]
    ]
