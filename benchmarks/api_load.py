"""Load on the real API: field reports POSTed over loopback to a running server.

Starts the server in a subprocess (uvicorn over ``create_app``, as ``ceasefire serve`` runs
it) on a fresh workspace, creates a monitor token, and drives ``POST /api/v1/field-reports``
from ``--concurrency`` keep-alive connections, each sending its next report as soon as the
previous one is answered (a closed loop). Every report has its own ``Idempotency-Key`` and
``report_id``. The reports are GENERATED (made-up positions near the line of contact,
labelled so in their notes): this measures intake, not data.

After the run the server is stopped (it commits what is queued) and the store is checked:
every acknowledged report (HTTP 201) must be stored exactly once with its ledger leaf
(``lost`` counts those that are not), and the whole ledger must recompute.

Prints ``name: value`` lines::

    python benchmarks/api_load.py --requests 20000 --concurrency 32
    python benchmarks/api_load.py --writer-only     # the same, without HTTP: storage's share

The client shares the machine's two cores with the server; it speaks HTTP/1.1 itself on
raw asyncio connections (no HTTP library), so it costs little.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.submissions import Outcome, SubmissionResult
from ceasefire.workspace import Workspace

PATH = "/api/v1/field-reports"
KINDS = ("shelling", "explosion", "small_arms_fire", "drone_strike", "illumination_flare")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server -------------------------------------------------------------------------------


def serve(workspace: Path, port: int, loop: str, http: str) -> None:
    """Run the API in this process (the subprocess started by ``main``)."""
    import uvicorn

    from ceasefire.api import create_app

    settings = Settings(workspace=workspace, api_rate_per_s=0)
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop=loop,
        http=http,
        proxy_headers=False,  # as `ceasefire serve`
        server_header=False,
    )


def start_server(workspace: Path, port: int, loop: str, http: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CEASEFIRE_API_RATE_PER_S="0")
    command = [sys.executable, __file__, "--serve", str(workspace), "--port", str(port)]
    command += ["--loop", loop, "--http", http]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the client -------------------------------------------------------------------------------


def report_body(run: str, i: int, rng: random.Random) -> bytes:
    """One GENERATED field report (made-up position and time; labelled in ``notes``)."""
    report = {
        "report_id": f"bench-{run}-{i}",
        "monitor_id": f"M-{rng.randint(1, 40):02d}",
        "team": f"Team-{rng.randint(1, 8)}",
        "observed_at": f"2025-04-19T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+03:00",
        "kind": rng.choice(KINDS),
        "count": rng.randint(1, 12),
        "lon": round(rng.uniform(37.0, 38.5), 5),
        "lat": round(rng.uniform(47.5, 48.9), 5),
        "uncertainty_m": rng.choice((50, 100, 200, 500)),
        "notes": "GENERATED for benchmarks/api_load.py; not an observation",
    }
    return json.dumps(report).encode()


def request_bytes(token: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that answers one request at a time."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        status = int(head[0].split(" ", 2)[1])
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    async def send(self, data: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.waiter


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0


async def drive(
    port: int, token: str, bodies: list[bytes], concurrency: int, tally: Tally, record: bool
) -> float:
    """Send every body once over ``concurrency`` connections; the wall time taken."""
    loop = asyncio.get_running_loop()
    requests = [request_bytes(token, uuid.uuid4().hex, b) for b in bodies]
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        _, conn = await loop.create_connection(Connection, "127.0.0.1", port)
        try:
            while next_index < len(requests):
                data = requests[next_index]
                next_index += 1
                started = time.perf_counter()
                try:
                    status, body = await conn.send(data)
                except ConnectionError:
                    tally.failures += 1
                    return
                if not record:
                    continue
                tally.latencies.append(time.perf_counter() - started)
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                if status == 201:
                    tally.acknowledged.append(json.loads(body)["uid"])
        finally:
            assert conn.transport is not None
            conn.transport.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- the writer alone (no HTTP) ---------------------------------------------------------------


def writer_only(root: Path, bodies: list[bytes], concurrency: int) -> None:
    """The same reports through the submission core and its group commit, without HTTP: how
    much of the server's cost is storage (prints ``writer_only_*`` lines)."""
    from ceasefire.observations.sources.field_report import parse_submission
    from ceasefire.store.submissions_sqlite import SqliteSubmissions
    from ceasefire.submissions import GroupCommitSettings, SubmissionService

    settings = Settings(workspace=root)
    service = SubmissionService(
        SqliteSubmissions.open(root / "ceasefire.db"),
        parse_submission,
        id_field="report_id",
        batching=GroupCommitSettings(
            settings.submit_batch_max,
            settings.submit_batch_wait_ms / 1000.0,
            settings.submit_queue_max,
        ),
    )
    in_flight: list[Future[SubmissionResult]] = []
    accepted = 0
    started, cpu = time.perf_counter(), time.process_time()
    for i, body in enumerate(bodies):  # at most ``concurrency`` waiting, as the HTTP clients
        in_flight.append(service.submit("bench-writer", f"w{i}", body))
        if len(in_flight) >= concurrency:
            accepted += in_flight.pop(0).result().outcome is Outcome.ACCEPTED
    accepted += sum(f.result().outcome is Outcome.ACCEPTED for f in in_flight)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    service.close()
    print(f"writer_only_reports_per_s: {accepted / wall:,.0f}")
    print(f"writer_only_cpu_s_per_1000: {cpu / max(accepted, 1) * 1000:.3f}")
    print(f"writer_only_mean_batch: {service.stats.mean_batch:.1f}")


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=20_000, help="reports measured")
    parser.add_argument("--warmup", type=int, default=1_000, help="reports sent first, unmeasured")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--loop", default="auto", help="uvicorn event loop: auto, asyncio, uvloop")
    parser.add_argument("--http", default="auto", help="uvicorn HTTP parser: auto, h11, httptools")
    parser.add_argument("--workspace", type=Path, help="use this (new) directory; default: temp")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--writer-only",
        action="store_true",
        help="drive the submission core directly (no server, no HTTP), for comparison",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the server subprocess
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.port, args.loop, args.http)
        return
    if args.writer_only:
        with tempfile.TemporaryDirectory(prefix="ceasefire-writer-load-") as temp:
            root = args.workspace or Path(temp) / "workspace"
            Workspace.init(root, Settings(workspace=root)).close()
            rng = random.Random(7)
            print("reports_generated: yes (made-up positions; labelled in each report's notes)")
            print(f"requests: {args.requests}")
            writer_only(root, [report_body("w", i, rng) for i in range(args.requests)],
                        args.concurrency)  # fmt: skip
        return

    with tempfile.TemporaryDirectory(prefix="ceasefire-api-load-") as temp:
        root = args.workspace or Path(temp) / "workspace"
        Workspace.init(root, Settings(workspace=root)).close()
        access = SqliteAccess(root / "ceasefire.db")
        _, token = access.add_user("load benchmark monitor", "monitor", None)
        access.close()

        port = args.port or free_port()
        server = start_server(root, port, args.loop, args.http)
        run = uuid.uuid4().hex[:8]
        rng = random.Random(7)
        try:
            warm = [report_body(run, -1 - i, rng) for i in range(args.warmup)]
            bodies = [report_body(run, i, rng) for i in range(args.requests)]
            tally = Tally()
            asyncio.run(drive(port, token, warm, args.concurrency, tally, record=False))
            load_before = os.getloadavg()[0]
            server_cpu = cpu_seconds(server.pid)
            client_cpu = time.process_time()
            wall = asyncio.run(drive(port, token, bodies, args.concurrency, tally, record=True))
            server_cpu = cpu_seconds(server.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
            load_after = os.getloadavg()[0]
        finally:
            server.send_signal(signal.SIGTERM)  # graceful: the writer commits what is queued
            server.wait(60)

        with SQLiteStore(root / "ceasefire.db") as store:
            conn = store.connection
            stored = {
                uid
                for (uid,) in conn.execute(
                    "SELECT uid FROM observations WHERE uid >= ? AND uid < ?",
                    (f"field:bench-{run}-", f"field:bench-{run}-\uffff"),
                )
            }
            measured = {u for u in stored if not u.startswith(f"field:bench-{run}--")}
            (rows,) = conn.execute(
                "SELECT count(*) FROM submissions WHERE outcome = 'accepted'"
            ).fetchone()
            (batches,) = conn.execute(
                "SELECT count(DISTINCT committed_at_us) FROM submissions"
            ).fetchone()
            acknowledged = set(tally.acknowledged)
            lost = len(acknowledged - stored)
            with_leaf = sum(
                1 for uid in list(acknowledged)[:2000] if store.ledger.leaf_of_uid(uid) >= 0
            )
            audit = store.ledger.audit()

    latencies_ms = [s * 1e3 for s in tally.latencies]
    print("reports_generated: yes (made-up positions; labelled in each report's notes)")
    print(f"requests: {args.requests}")
    print(f"concurrency: {args.concurrency}")
    print(f"reports_per_s: {len(tally.acknowledged) / wall:,.0f}")
    print(f"p50_ms: {percentile(latencies_ms, 50):.2f}")
    print(f"p99_ms: {percentile(latencies_ms, 99):.2f}")
    print(f"max_ms: {max(latencies_ms):.2f}")
    print(f"acknowledged: {len(acknowledged)}")
    print(f"stored: {len(measured)}")
    print(f"lost: {lost}")
    print(f"stored_equals_acknowledged: {'yes' if len(measured) == len(acknowledged) else 'NO'}")
    print(f"non_2xx: {sum(n for s, n in tally.statuses.items() if s >= 300)}")
    print(f"connection_failures: {tally.failures}")
    print(f"acknowledged_with_leaf_checked: {with_leaf}")
    print(f"ledger_verified_leaves: {audit.leaves}")
    print(f"group_commits: {batches}")
    print(f"mean_batch: {rows / max(batches, 1):.1f}")
    print(f"server_cpu_s_per_1000: {server_cpu / max(len(acknowledged), 1) * 1000:.3f}")
    print(f"client_cpu_s_per_1000: {client_cpu / max(len(acknowledged), 1) * 1000:.3f}")
    print(f"load_average_before: {load_before:.2f}")
    print(f"load_average_after: {load_after:.2f}")
    print(f"loop_http: {args.loop}/{args.http} (auto: uvloop/httptools when installed)")
    if lost:
        raise SystemExit(f"{lost} acknowledged reports are not stored")


if __name__ == "__main__":
    main()
