"""What every command built on :mod:`pocketstack.sdk` shares (``pocketstack server``,
``image``, ``object``: ``sdk_server.py``, ``sdk_image.py``, ``sdk_object.py``): a Connection to the
``--os-cloud`` entry, ``-f table|json|yaml`` output, live progress and status on stderr, and
SDK errors as one line on stderr (exit status 1).

Nothing here imports the SDK, httpx or rich at import time: ``pocketstack up --help`` stays fast.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from pocketstack.cli.commands import (
    Columns,
    Format,
    Target,
    _fail,
    columns_table,
    dump,
    fields_table,
    target_options,
)
from pocketstack.config import load_settings

if TYPE_CHECKING:
    from rich.console import Console

    from pocketstack.sdk.connection import Connection

T = TypeVar("T")

DEFAULT_CLOUD = "pocketstack"  # the project-scoped demo entry `pocketstack up` writes
SKIPPED = frozenset({"links", "location", "self_link", "schema_"})

CloudOpt = Annotated[
    str,
    typer.Option(
        "--os-cloud",
        envvar="OS_CLOUD",
        help="The clouds.yaml entry to use (OS_CLIENT_CONFIG_FILE names the file; else the usual "
        "places, then the data dir's).",
    ),
]
FormatOpt = Annotated[Format, typer.Option("-f", "--format", help="A table, JSON or YAML.")]
sdk_options = target_options(CloudOpt, DEFAULT_CLOUD, FormatOpt)
"""A command's ``target: Target`` parameter as ``--os-cloud``, ``--data-dir``, ``--config`` and ``-f``."""


# -- errors and connections -----------------------------------------------------------------------


def fail(message: str) -> NoReturn:
    _fail(" ".join(message.split()))


def describe(exc: BaseException) -> str:
    """One line for an SDK error: the status code and the service's message for an HTTP error."""
    from pocketstack.sdk.exceptions import HttpError

    if isinstance(exc, HttpError):
        where = f" ({exc.method} {exc.url})" if exc.url.startswith(("http://", "https://")) else ""
        return f"{exc.status_code} {exc.message}{where}"
    return str(exc) or type(exc).__name__


@contextmanager
def sdk_errors() -> Iterator[None]:
    """SDK errors (and local file errors) end the command with one line on stderr, exit 1."""
    from pocketstack.sdk.exceptions import SDKError

    try:
        yield
    except SDKError as exc:
        fail(describe(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


@contextmanager
def connect(target: Target) -> Iterator[Connection]:
    """A Connection to the cloud ``target.os_cloud``: from the clouds.yaml the SDK finds, else from
    the data dir's (where ``pocketstack up`` writes it); its errors and the block's handled as
    :func:`sdk_errors` (the block's reported before the connection is closed)."""
    with sdk_errors():
        from pocketstack.sdk.config import config_file_candidates, load
        from pocketstack.sdk.connection import Connection

        files = config_file_candidates()
        if target.data_dir is not None or not any(p.is_file() for p in files):
            files.append(load_settings(target.config, data_dir=target.data_dir).data_dir / "clouds.yaml")
        conn = Connection(config=load(target.os_cloud, config_files=files))
        try:
            with sdk_errors():
                yield conn
        finally:
            conn.close()


# -- output ---------------------------------------------------------------------------------------


def record(resource: Any) -> dict[str, Any]:
    """A resource as plain data (Python names, as openstacksdk's ``to_dict``), links left out."""
    doc = resource.to_dict() if hasattr(resource, "to_dict") else dict(resource)
    plain: dict[str, Any] = json.loads(json.dumps(doc, default=str))
    return {k: v for k, v in plain.items() if k not in SKIPPED}


def show(doc: dict[str, Any], fmt: Format) -> None:
    """One record: its fields as a table (empty ones left out), or all of it as JSON/YAML."""
    if fmt is not Format.table:
        dump(doc, fmt)
        return
    fields_table((k, v) for k, v in doc.items() if v not in (None, "", [], {}))


def show_list(docs: list[dict[str, Any]], fmt: Format, columns: Columns) -> None:
    """Records: some columns as a table, or the whole records as a JSON/YAML list."""
    if fmt is not Format.table:
        dump(docs, fmt)
        return
    columns_table(docs, columns)


def done(fmt: Format, message: str, doc: dict[str, Any]) -> None:
    """A command's outcome: the message in table form, the document as JSON/YAML."""
    if fmt is Format.table:
        typer.echo(message)
    else:
        dump(doc, fmt)


# -- live feedback on stderr ----------------------------------------------------------------------


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


class LiveStatus:
    """A spinner with a changing line on a terminal; elsewhere each new line printed once."""

    def __init__(self, first: str) -> None:
        self.console = stderr_console()
        self.text = first
        self._status: Any = None

    def __enter__(self) -> LiveStatus:
        if self.console.is_terminal:
            self._status = self.console.status(self.text)
            self._status.start()
        else:
            self.console.print(self.text, highlight=False, markup=False)
        return self

    def update(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        if self._status is not None:
            self._status.update(text)
        else:
            self.console.print(text, highlight=False, markup=False)

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


def watched(work: Callable[[], T], probe: Callable[[], str | None], first: str, interval: float = 1.0) -> T:
    """Run ``work`` in a thread while the status line shows what ``probe`` (called here every
    ``interval`` seconds; its errors ignored) says; ``work``'s result, or its exception raised."""
    from pocketstack.sdk.exceptions import SDKError

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="pocketstack-cli-work", daemon=True)
    worker.start()
    with LiveStatus(first) as status:
        while True:
            worker.join(interval)
            if not worker.is_alive():
                break
            try:
                text = probe()
            except SDKError:
                text = None
            if text:
                status.update(text)
    if "error" in box:
        raise box["error"]
    return box["result"]  # type: ignore[no-any-return]


class Bar:
    """Bytes moved, fed by increments (``advance``) or by running totals (``totals``), drawn as
    a rich progress bar when there is one. Thread-safe: transfers report from several threads."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task
        self._lock = threading.Lock()
        self.done = 0

    def advance(self, count: int) -> None:
        with self._lock:
            self.done += count
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done)

    def totals(self, done_bytes: int, total: int) -> None:
        with self._lock:
            self.done = max(self.done, done_bytes)
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done, total=total)


@contextmanager
def byte_progress(description: str, total: int | None) -> Iterator[Bar]:
    """A bar of bytes on stderr on a terminal; elsewhere one line once the transfer is done."""
    console = stderr_console()
    if not console.is_terminal:
        started = time.monotonic()
        bar = Bar()
        yield bar
        took = time.monotonic() - started
        console.print(f"{description}: {human_size(bar.done)} in {took:.1f} s", highlight=False, markup=False)
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        yield Bar(progress, progress.add_task(description, total=total))


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)  # pragma: no cover
