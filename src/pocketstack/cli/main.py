"""The ``pocketstack`` command.

``pocketstack up`` with plain ``--option value`` pairs starts without typer, whose argument
handling (pydantic adapters built per option) would cost a start a tenth of its time and memory;
anything else, help and argument errors included, goes to the typer app in ``commands.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocketstack.config import load_settings

if TYPE_CHECKING:
    import typer

# The options of ``up`` and their types, as commands.py declares them for typer (a test keeps
# the two the same).
UP_OPTIONS: dict[str, type] = {
    "host": str,
    "port": int,
    "data_dir": Path,
    "config": Path,
    "database_url": str,
    "admin_password": str,
    "demo_password": str,
    "workers": int,
}


def start_up(config: Path | None = None, **options: Any) -> None:  # noqa: ANN401
    from pocketstack.cli.up import run

    run(load_settings(config, **options))


def main() -> None:
    options = plain_up_options(sys.argv[1:])
    if options is None:
        from pocketstack.cli.commands import app

        app()
        return
    try:
        start_up(**options)
    except KeyboardInterrupt:  # as click ends it
        print("\nAborted!", file=sys.stderr)
        raise SystemExit(1) from None


def plain_up_options(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``up`` given as ``--option value`` or ``--option=value``; None for
    anything else (another command, ``--help``, an unknown option, a value typer would refuse)."""
    if argv[:1] != ["up"]:
        return None
    options: dict[str, Any] = {}
    rest = argv[1:]
    while rest:
        option, equals, value = rest.pop(0).partition("=")
        name = option.removeprefix("--").replace("-", "_")
        kind = UP_OPTIONS.get(name) if option.startswith("--") and "_" not in option else None
        if kind is None or not (equals or rest):
            return None
        value = value if equals else rest.pop(0)
        if kind is int:
            try:
                options[name] = int(value)
            except ValueError:
                return None
        elif kind is Path:
            if not value:
                return None
            options[name] = Path(value)
        else:
            options[name] = value
    return options


def __getattr__(name: str) -> typer.Typer:
    """``app``, the typer app, imported on first use (as tests do)."""
    if name == "app":
        from pocketstack.cli.commands import app

        return app
    raise AttributeError(name)


if __name__ == "__main__":
    main()
