"""The ceiling for finch-sandbox's server stack: a bare ASGI callable that answers every request
with one fixed JSON body, served by granian exactly as `finch-sandbox serve` serves the real app.

    BENCH_BASELINE_BODY=/path/to/body.json python -m bench.baseline_app --port 8001

`bench/compare.py` writes finch-sandbox's `GET /employer/directory` response body to a temp file
and starts this script with that file, so the two servers put the same bytes on the wire; the gap
between them is what routing, auth, the database and serialization cost.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY_ENV = "BENCH_BASELINE_BODY"


def make_app(body: bytes) -> Callable[[Message, Receive, Send], Awaitable[None]]:
    """An ASGI app that drains the request and answers 200 with `body`; lifespan is a no-op."""
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            # finch-sandbox sends these two on every answer; same header bytes, same wire size.
            (b"finch-request-id", b"00000000000000000000000000000000"),
            (b"finch-api-version", b"2020-09-17"),
        ],
    }
    payload: Message = {"type": "http.response.body", "body": body}

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send(start)
        await send(payload)

    return app


def app_from_env() -> Callable[[Message, Receive, Send], Awaitable[None]]:
    """Factory for granian's worker process, which imports this module afresh."""
    body_file = os.environ.get(BODY_ENV)
    return make_app(Path(body_file).read_bytes() if body_file else b"{}")


def main() -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # As finch_sandbox/cli.py's `serve` runs granian: one process, ASGI, no websockets.
    Granian(
        "bench.baseline_app:app_from_env",
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port,
        workers=1,
        websockets=False,
        log_level=LogLevels.warning,
    ).serve()


if __name__ == "__main__":
    main()
