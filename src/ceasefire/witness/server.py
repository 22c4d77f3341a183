"""The witness over HTTP: ``POST /add-checkpoint`` (C2SP tlog-witness), standard library only.

This module is the interface: it maps the refusals of ``Witness.add_checkpoint`` to the
status codes the specification gives them, and does nothing else.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ceasefire.ledger.errors import (
    InconsistentCheckpoint,
    MalformedSubmission,
    SizeConflict,
    UnknownLog,
    UntrustedCheckpoint,
    WitnessRefusal,
)
from ceasefire.witness.core import Witness

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a checkpoint with 100 signatures and 63 proof lines is far smaller

STATUS: dict[type[WitnessRefusal], HTTPStatus] = {
    MalformedSubmission: HTTPStatus.BAD_REQUEST,
    UntrustedCheckpoint: HTTPStatus.FORBIDDEN,
    UnknownLog: HTTPStatus.NOT_FOUND,
    SizeConflict: HTTPStatus.CONFLICT,
    InconsistentCheckpoint: HTTPStatus.UNPROCESSABLE_ENTITY,
}


class WitnessServer(ThreadingHTTPServer):
    """A threading HTTP server holding one ``Witness``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness, prefix: str = "") -> None:
        super().__init__(address, _Handler)
        self.witness = witness
        self.prefix = prefix.rstrip("/")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"


class _Handler(BaseHTTPRequestHandler):
    server: WitnessServer
    protocol_version = "HTTP/1.1"  # keep-alive, which the specification asks witnesses for
    timeout = 30  # seconds a connection may stay idle

    def _reply(self, status: HTTPStatus, body: str, content_type: str = "text/plain") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path != f"{self.server.prefix}/add-checkpoint":
            self._reply(HTTPStatus.NOT_FOUND, "not found\n")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(HTTPStatus.LENGTH_REQUIRED, "Content-Length required\n")
            return
        if not 0 <= length <= MAX_BODY:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large\n")
            self.close_connection = True
            return
        body = self.rfile.read(length)
        try:
            line = self.server.witness.add_checkpoint(body)
        except SizeConflict as exc:
            logger.info("409: %s", exc)
            self._reply(HTTPStatus.CONFLICT, f"{exc.size}\n", "text/x.tlog.size")
            return
        except WitnessRefusal as exc:
            status = next(s for cls, s in STATUS.items() if isinstance(exc, cls))
            logger.info("%d: %s", status, exc)
            self._reply(status, f"{exc}\n")
            return
        self._reply(HTTPStatus.OK, line)

    def do_GET(self) -> None:  # noqa: N802
        self._reply(HTTPStatus.NOT_FOUND, "not found\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("%s %s", self.address_string(), format % args)


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> WitnessServer:
    """A server for ``witness`` bound to ``host:port`` (0: an ephemeral port)."""
    return WitnessServer((host, port), witness)
