"""Image data on its way into a store, pipelined. The caller copies the data into a few large
buffers (``feed``); each full buffer is a piece that up to three worker threads of the
transfer take in turn: one computes the md5 (Glance's ``checksum``), one the sha512
(``os_hash_value``), one writes. hashlib and file writes release the GIL for the whole of a
large buffer, so the three run at once, on other cores than the caller's while it receives
the next data, and each takes the GIL back only once per piece (with small chunks a lane
would wait for it again and again behind a busy event loop). A lane may run up to ``depth``
pieces ahead of the others, so one that loses its core for a moment does not stall the rest.
The buffers are reused, so memory stays at ``depth + 1`` pieces whatever the size of the image
(and no large allocation is made, then paged in, per piece).
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from pocketstack.core.errors import BadRequest, PayloadTooLarge
from pocketstack.core.image.transfer import HASH_ALGO, Limit
from pocketstack.imagestore.base import StoreWriter

PIECE = 2 * 1024 * 1024
MIN_PIECE = 64 * 1024
DEPTH = 3  # pieces in flight per transfer, besides the one being filled


class Hashes:
    """md5 (``checksum``) and sha512 (``os_hash_value``) of the same bytes, each fed by its lane."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha = hashlib.new(HASH_ALGO)

    @property
    def checksum(self) -> str:
        return self.md5.hexdigest()

    @property
    def os_hash_value(self) -> str:
        return self.sha.hexdigest()


class _Piece:
    """A full buffer, held until every lane is done with it; then it goes back to ``free``
    and ``done`` completes."""

    def __init__(self, buffer: bytearray, size: int, lanes: int, free: deque[bytearray]) -> None:
        self.data = memoryview(buffer)[:size]
        self.done: Future[None] = Future()
        self.done.set_running_or_notify_cancel()  # a waiter that gives up cannot cancel it
        self._buffer = buffer
        self._free = free
        self._left = lanes
        self._lock = threading.Lock()

    def release(self) -> None:
        """One lane is done with the piece."""
        with self._lock:
            self._left -= 1
            if self._left > 0:
                return
        self.settle()

    def settle(self) -> None:
        """Give the buffer back and complete ``done`` (also for a piece whose work was cancelled)."""
        self.data.release()
        self._free.append(self._buffer)
        self.done.set_result(None)


class StreamingTransfer:
    """Data in, through the hashes, into ``writer``. ``feed`` copies data in (call ``room``
    first), ``write`` does both and blocks; ``finish`` waits for every piece, checks and
    commits through ``complete`` (given the writer and the hashes, it records the result);
    ``abort`` (always safe) waits for what is running, drops the data and calls ``restore``.
    A failure in a lane is raised by the next ``feed``, ``write`` or ``finish``."""

    def __init__(
        self,
        writer: StoreWriter,
        limit: Limit,
        expected_size: int | None,
        complete: Callable[[StoreWriter, Hashes], None],
        restore: Callable[[], None],
        hashing: bool = True,
        piece: int = PIECE,
        depth: int = DEPTH,
    ) -> None:
        self.writer = writer
        self._limit = limit
        self._expected = expected_size
        self._complete = complete
        self._restore = restore
        # Buffers no larger than the data announced (a small image needs one small buffer).
        self._piece_size = piece if expected_size is None else min(piece, max(expected_size, MIN_PIECE))
        self._hashes = Hashes()
        work: list[tuple[str, Callable[[memoryview], object]]] = [("write", writer.write)]
        if hashing:
            work += [("md5", self._hashes.md5.update), ("sha", self._hashes.sha.update)]
        self._lanes = [(ThreadPoolExecutor(1, thread_name_prefix=f"image-{name}"), fn) for name, fn in work]
        self._unmade = depth + 1  # buffers not allocated yet (small images need only one)
        self._free: deque[bytearray] = deque()
        self._filling: bytearray | None = None
        self._target = memoryview(b"")  # of the buffer being filled
        self._filled = 0
        self._in_flight: deque[_Piece] = deque()
        self._accepted = 0
        self._error: BaseException | None = None
        self._done = False

    @property
    def size(self) -> int:
        """Bytes accepted so far."""
        return self._accepted

    @property
    def piece_size(self) -> int:
        """The most ``feed`` takes at once."""
        return self._piece_size

    def _run(self, work: Callable[[memoryview], object], piece: _Piece) -> None:
        """In a lane: ``work`` on the piece, unless a lane failed before (then the rest is skipped)."""
        try:
            if self._error is None:
                work(piece.data)
        except BaseException as exc:
            if self._error is None:
                self._error = exc
        finally:
            piece.release()

    def room(self) -> Future[None] | None:
        """None when up to a piece's worth may be fed now; else a future done when it may."""
        while self._in_flight and self._in_flight[0].done.done():
            self._in_flight.popleft()
        if self._free or self._unmade or not self._in_flight:
            return None
        return self._in_flight[0].done

    def feed(self, data: bytes | memoryview) -> None:
        """Copy ``data`` (at most ``piece_size`` bytes, after ``room``) in; a full buffer goes to
        the lanes. PayloadTooLarge when it takes the data past the limit; the error of a lane
        that failed before."""
        self._raise_failure()
        view = memoryview(data).cast("B")
        if self._accepted + view.nbytes > self._limit.bytes:
            raise PayloadTooLarge(self._limit.message, code="image.data.too_large")
        self._accepted += view.nbytes
        while view:
            target = self._target if self._filling is not None else self._take_buffer()
            n = min(view.nbytes, self._piece_size - self._filled)
            target[self._filled : self._filled + n] = view[:n]  # a memcpy (a bytearray would copy twice)
            self._filled += n
            view = view[n:]
            if self._filled == self._piece_size:
                self._dispatch()

    def _take_buffer(self) -> memoryview:
        if self._free:
            buffer = self._free.popleft()
        elif self._unmade:
            self._unmade -= 1
            buffer = bytearray(self._piece_size)
        else:  # the caller did not wait for room (write() does): wait here
            self._in_flight.popleft().done.result()
            buffer = self._free.popleft()
        self._filling, self._filled, self._target = buffer, 0, memoryview(buffer)
        return self._target

    def _dispatch(self) -> None:
        if self._filling is None or not self._filled:
            return
        self._target.release()
        piece = _Piece(self._filling, self._filled, len(self._lanes), self._free)
        self._filling, self._filled = None, 0
        self._in_flight.append(piece)
        for lane, work in self._lanes:
            lane.submit(self._run, work, piece)

    def write(self, data: bytes) -> None:
        """``feed`` for callers that may block, with data of any size."""
        view = memoryview(data).cast("B")
        for start in range(0, view.nbytes, self._piece_size):  # each feed needs one buffer at most
            wait = self.room()
            if wait is not None:
                wait.result()
            self.feed(view[start : start + self._piece_size])

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _drain(self, cancel: bool = False) -> None:
        """Wait until no lane works any more (after dropping the queued pieces when ``cancel``)."""
        for lane, _work in self._lanes:
            lane.shutdown(wait=True, cancel_futures=cancel)
        for piece in self._in_flight:
            if not piece.done.done():  # its work was cancelled
                piece.settle()
        self._in_flight.clear()

    def finish(self) -> None:
        """Wait for every piece, check the size, then let ``complete`` inspect, commit and
        record."""
        self._raise_failure()
        self._dispatch()
        self._drain()
        self._raise_failure()
        if self._expected is not None and self._accepted != self._expected:
            raise BadRequest(
                f"The image data is {self._accepted} bytes but the request announced {self._expected}.",
                code="image.data.size_mismatch",
            )
        self._complete(self.writer, self._hashes)
        self._done = True

    def abort(self) -> None:
        """Undo: no data left behind, the image back where it was. Does nothing once finished."""
        if self._done:
            return
        self._done = True
        try:
            self._drain(cancel=True)  # never drop the file under a write still running
            self.writer.abort()
        finally:
            self._restore()
