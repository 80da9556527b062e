"""``pocketstack up --workers N``: N API processes serving one port over one database.

The supervisor (the process the user started) does everything that must happen once: migrate,
bootstrap, sweep half-written data, recover interrupted tasks. It then takes the port and forks
the workers, each of which builds its own cloud on the same database (``primary=False``) and
listens on the port through a socket of its own (SO_REUSEPORT): the kernel spreads new
connections evenly among the listening workers. (On one shared listening socket, the worker
that wakes first accepts every pending connection at once, so a burst of eight connections
could all land on one worker and leave the others idle.) What the processes share
goes through the database: the identity revision that invalidates cached tokens and catalogs,
and the leases that let one of them run the periodic jobs. A worker that dies is replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

from pocketstack.api.common.logs import LOG, kv
from pocketstack.api.common.metrics import forget_process

# A worker that dies within this many seconds of its start is not restarted (it would die again:
# a broken setting, an unreachable database); the supervisor stops instead.
_FLAPPING_S = 5.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def bind(host: str, port: int) -> socket.socket:
    """Take the port for the workers: a socket bound with SO_REUSEPORT that never listens (so
    it is handed no connection), which keeps the port while workers come and go.

    A plain bind first: it fails while anything else is bound to the port, even another
    cloud's SO_REUSEPORT sockets, which a second SO_REUSEPORT bind would silently join."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    sock = _reuse_port_socket(family)
    sock.bind((host, port))
    return sock


def listener(held: socket.socket) -> socket.socket:
    """A worker's own listening socket on the port ``held`` (``bind``'s socket) keeps."""
    sock = _reuse_port_socket(held.family)
    sock.bind(held.getsockname()[:2])
    sock.listen(2048)
    return sock


def _reuse_port_socket(family: socket.AddressFamily) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


class Supervisor:
    """Forks ``count`` workers running ``serve(sock, ready)`` on a listening socket of their own
    on ``held``'s port; ``ready()`` is what a worker calls once it listens (the first call ends
    ``start()``). ``run()`` returns when the supervisor is told to stop (SIGINT or SIGTERM,
    passed on to the workers) and every worker has ended."""

    def __init__(
        self,
        held: socket.socket,
        count: int,
        serve: Callable[[socket.socket, Callable[[], None]], None],
    ) -> None:
        self.held = held
        self.count = count
        self.serve = serve
        self.children: dict[int, float] = {}
        self._stopping = False
        self._ready_r, self._ready_w = os.pipe()
        self._supervisor = os.getpid()

    def _fork(self) -> None:
        if threading.active_count() > 1:
            names = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
            raise RuntimeError(f"cannot fork workers while threads run: {names}")
        pid = os.fork()
        if pid:
            self.children[pid] = time.monotonic()
            return
        code = 0
        try:
            _die_with(self._supervisor)
            os.close(self._ready_r)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            sock = listener(self.held)
            self.held.close()
            self.serve(sock, lambda: os.write(self._ready_w, b"r"))
        except BaseException:  # noqa: BLE001 - a worker reports and ends, whatever happened
            LOG.exception(kv(event="worker_failed", pid=os.getpid()))
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def start(self) -> None:
        """Fork every worker and wait until one listens: the port answers from then on (the
        kernel hands connections only to workers that accept), and the others join it as they
        get ready. One that fails to is seen by ``run()``, as any worker that ends."""
        for _ in range(self.count):
            self._fork()
        while not select.select([self._ready_r], [], [], 0.2)[0]:
            # The pipe's write end stays open here (for the workers forked later), so a worker
            # that ends is seen by peeking at the children's statuses, none of them reaped.
            ended = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if ended is not None:
                raise RuntimeError(f"worker {ended.si_pid} ended before it was ready")
        os.read(self._ready_r, 1)

    def run(self) -> int:
        """Supervise until stopped; the exit status is 0 after a clean stop."""

        def stop(*_: object) -> None:
            self._stopping = True
            for pid in self.children:
                _signal(pid, signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        status = 0
        while self.children:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            began = self.children.pop(pid, None)
            forget_process(pid)
            if began is None or self._stopping:
                continue
            code = os.waitstatus_to_exitcode(wait_status)
            LOG.warning(kv(event="worker_ended", pid=pid, status=code))
            if time.monotonic() - began < _FLAPPING_S:
                LOG.error(kv(event="workers_stopping", reason="a worker ended right after its start"))
                stop()
                status = 1
                continue
            self._fork()
        return status


def _die_with(supervisor: int) -> None:
    """A worker ends at once when its supervisor ends, however it ends (killed too): else it
    would go on serving the port, and a new ``up`` could not bind it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != supervisor:  # it ended before the line above
        os._exit(1)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
