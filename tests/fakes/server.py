"""What every fake forge shares: a threaded local HTTP server that logs, counts and misbehaves.

A fake forge (``FakeGitHub``, ``FakeGitLab``) subclasses ``FakeServer`` and says
where a request's API path is (``_api_path``), what to answer (``_serve``) and
how to log it (``_log``). The rest is the same for every forge and lives here:
``start``/``stop`` (or ``with``), ``latency``, the request counters, faults that
answer something else than the world (``override``) or misbehave at the
transport level (``hang``, ``reset``, ``truncate``, ``block``), and any bug in
the fake re-raised by ``stop`` so that it fails the test. The server is
threaded, so a hanging request does not hold up the next one.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Any, ClassVar, Generic, Literal, Protocol, Self, TypeVar

from werkzeug import Request, Response
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

Behaviour = Literal["answer", "hang", "reset", "truncate", "block"]
BodyT = TypeVar("BodyT")


class Logged(Protocol):
    """A logged request: whatever else a forge's log keeps, its path relative to the API root."""

    @property
    def path(self) -> str: ...


LoggedT = TypeVar("LoggedT", bound=Logged)


@dataclass
class Fault(Generic[BodyT]):
    """An answer (``behaviour`` "answer") or a transport misbehaviour, for one path."""

    path: str
    status: int
    body: BodyT | None  # None: a misbehaviour, whose answer (if any) is the world's
    headers: dict[str, str]
    times: int | None  # None: every time
    behaviour: Behaviour = "answer"
    query: dict[str, str] = field(default_factory=dict)  # only requests with these parameters
    seconds: float = 0.0  # how long "hang" holds the answer back
    reached: threading.Event = field(default_factory=threading.Event)  # "block": request arrived
    release: threading.Event = field(default_factory=threading.Event)  # "block": let it go

    def matches(self, path: str, query: dict[str, str], *, transport: bool | None) -> bool:
        """``transport``: only misbehaviours (True), only answers (False), or either (None)."""
        return (
            self.path == path
            and (transport is None or (self.behaviour != "answer") is transport)
            and (self.times is None or self.times > 0)
            and all(query.get(key) == value for key, value in self.query.items())
        )


@dataclass(frozen=True)
class Served:
    """An answer ready to go out: already logged and counted, not yet held back or cut."""

    status: int
    body: bytes
    headers: dict[str, str]
    content_type: str | None = None  # None: whatever ``headers`` say


class FakeServer(ABC, Generic[BodyT, LoggedT]):
    """The server around a fake forge's routes; see the module docstring."""

    forge: ClassVar[str]  # "GitHub": names the fake in the 599 that stands for its own bug
    # True: an "answer" fault is taken only once the request passed authentication and the
    # rate limit (``_serve`` takes it); False: the first fault for the path, of any kind,
    # is taken on arrival and handed to ``_serve``.
    answer_faults_after_checks: ClassVar[bool]

    def __init__(self, *, latency: float, log_requests: bool) -> None:
        self.rate_used = 0
        self.latency = latency
        self.log_requests = log_requests
        self.requests: list[LoggedT] = []
        # (API path, status, body) of every answer, once ``keep_bodies`` was called: what a
        # test checks the served JSON against (tests.fakes.reads). Off by default: big worlds.
        self.bodies: list[tuple[str, int, bytes]] | None = None
        self.request_count = 0  # every request, logged or not
        self.not_modified_count = 0
        self._faults: list[Fault[BodyT]] = []
        self._lock = threading.Lock()
        self._errors: list[BaseException] = []
        self._server: BaseWSGIServer | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    # -- what a forge says ----------------------------------------------------------------

    @abstractmethod
    def _api_path(self, request: Request) -> str:
        """The request's path relative to the API root (as received when outside it)."""

    @abstractmethod
    def _serve(self, request: Request, api_path: str, fault: Fault[BodyT] | None) -> Served:
        """The forge's answer, logged (``_log``); called holding ``_lock``."""

    @abstractmethod
    def _log(self, request: Request, api_path: str, status: int) -> None:
        """Count the request and, with ``log_requests``, keep it in ``requests``."""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = make_server(
            "127.0.0.1", 0, self._application, threaded=True, request_handler=_ForgeHandler
        )
        self._port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._shutdown()
        # A bug in the fake must fail the test, not hide as a 500 the client shrugs off.
        if self._errors:
            raise self._errors[0]

    def _shutdown(self) -> None:
        for fault in self._faults:
            fault.release.set()  # nothing stays blocked past the test
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.stop()
        else:
            self._shutdown()

    # -- what tests read and steer --------------------------------------------------------

    @property
    def root_url(self) -> str:
        assert self._port, "the fake was never started"
        return f"http://127.0.0.1:{self._port}"

    def paths(self) -> list[str]:
        """Paths requested so far, in order, relative to the API root (as the log keeps them)."""
        return [request.path for request in self.requests]

    def keep_bodies(self) -> None:
        """From now on, keep every answer's body in ``bodies``."""
        with self._lock:
            self.bodies = []

    def requests_to(self, path: str) -> list[LoggedT]:
        return [request for request in self.requests if request.path == path]

    def override(
        self,
        path: str,
        status: int,
        body: BodyT,
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``path`` with exactly this, instead of what the world says."""
        self._add_fault(Fault(path, status, body, dict(headers or {}), times))

    def hang(
        self,
        path: str,
        seconds: float,
        *,
        times: int | None = 1,
        query: dict[str, str] | None = None,
    ) -> Fault[BodyT]:
        """Hold the answer to ``path`` back for ``seconds`` (past the client's timeout)."""
        return self._misbehave(path, "hang", times, query, seconds=seconds)

    def reset(
        self, path: str, *, times: int | None = 1, query: dict[str, str] | None = None
    ) -> Fault[BodyT]:
        """Reset the connection (TCP RST) instead of answering ``path``."""
        return self._misbehave(path, "reset", times, query)

    def truncate(
        self, path: str, *, times: int | None = 1, query: dict[str, str] | None = None
    ) -> Fault[BodyT]:
        """Answer ``path`` with half its body while promising all of it (Content-Length)."""
        return self._misbehave(path, "truncate", times, query)

    def block(
        self, path: str, *, times: int | None = 1, query: dict[str, str] | None = None
    ) -> Fault[BodyT]:
        """Hold the answer to ``path`` until ``fault.release`` is set; ``fault.reached`` says
        the request arrived (for killing a client mid-collection)."""
        return self._misbehave(path, "block", times, query)

    def clear_faults(self) -> None:
        """Back to answering what the world says."""
        with self._lock:
            for fault in self._faults:
                fault.release.set()
            self._faults.clear()

    def reset_rate(self) -> None:
        """The rate limit's period is over: the whole of it is available again."""
        with self._lock:
            self.rate_used = 0

    def _misbehave(
        self,
        path: str,
        behaviour: Behaviour,
        times: int | None,
        query: dict[str, str] | None,
        *,
        seconds: float = 0.0,
    ) -> Fault[BodyT]:
        fault: Fault[BodyT] = Fault(
            path, 200, None, {}, times, behaviour, dict(query or {}), seconds
        )
        self._add_fault(fault)
        return fault

    def _add_fault(self, fault: Fault[BodyT]) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(
        self, path: str, query: dict[str, str], *, transport: bool | None
    ) -> Fault[BodyT] | None:
        """The first fault for this request (see ``Fault.matches``), one of its times used."""
        for fault in self._faults:
            if fault.matches(path, query, transport=transport):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    # -- serving --------------------------------------------------------------------------

    def _application(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI entry point: ``_handle``, with any bug in the fake kept for ``stop``."""
        request = Request(environ)
        try:
            response = self._handle(request)
        except Exception as exc:
            self._errors.append(exc)
            response = Response(f"fake {self.forge} bug", status=599)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _handle(self, request: Request) -> Response:
        """One request: the forge's answer, delayed, held back, cut or dropped as asked."""
        if self.latency:
            time.sleep(self.latency)
        api_path = self._api_path(request)
        query = {key: request.args[key] for key in request.args}
        with self._lock:
            on_arrival = True if self.answer_faults_after_checks else None
            fault = self._take_fault(api_path, query, transport=on_arrival)
        if fault is not None and fault.behaviour == "reset":
            with self._lock:
                self._log(request, api_path, 0)
            _reset_connection(request)
            return Response(b"", status=500)
        with self._lock:
            served = self._serve(request, api_path, fault)
            if self.bodies is not None:
                self.bodies.append((api_path, served.status, served.body))
        served.headers.setdefault("Date", format_datetime(datetime.now(UTC), usegmt=True))
        # The answer is ready (and logged); the network holds it back.
        if fault is not None and fault.behaviour == "hang":
            time.sleep(fault.seconds)
        if fault is not None and fault.behaviour == "block":
            fault.reached.set()
            fault.release.wait(60)
        if served.status == 304:
            return Response(status=304, headers=served.headers)
        if fault is not None and fault.behaviour == "truncate":
            return _cut_short(served)
        return Response(
            served.body,
            status=served.status,
            headers=served.headers,
            content_type=served.content_type,
        )


class _ForgeHandler(WSGIRequestHandler):
    """Werkzeug's handler without the ``Date`` it adds by itself: the answer carries the
    forge's (``_handle`` adds this machine's time where a fake keeps no clock of its own)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


def _cut_short(served: Served) -> Response:
    """Half the body, with a Content-Length promising all of it, then the connection closes."""
    body = served.body
    response = Response(
        body[: len(body) // 2],
        status=served.status,
        headers={**served.headers, "Content-Length": str(len(body)), "Connection": "close"},
        content_type=served.content_type,
    )
    response.automatically_set_content_length = False
    return response


def _reset_connection(request: Request) -> None:
    """Close the client's connection with a TCP RST, the way a crashed proxy does."""
    connection = request.environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)


def query_int(value: str | None, default: int) -> int:
    """A query parameter as a number; ``default`` when absent or not one."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
