"""The ``pocketstack`` command's typer app: every command, help and argument errors (see
``main.py`` for the one way in that skips it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pocketstack.cli.main import start_up
from pocketstack.config import load_settings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="An OpenStack-compatible cloud.",
)
admin = typer.Typer(no_args_is_help=True, help="Operate a pocketstack installation.")
app.add_typer(admin, name="admin")

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A TOML settings file.")]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Where state lives (default: per-user dir).")
]


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite).")] = None,
    admin_password: Annotated[str | None, typer.Option(help="Password of the admin user.")] = None,
    demo_password: Annotated[str | None, typer.Option(help="Password of the demo user.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="API processes serving the port (default: one per core, at most 4).")
    ] = None,
) -> None:
    """Start the whole cloud on one port (one or several API processes: --workers)."""
    start_up(
        config,
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        admin_password=admin_password,
        demo_password=demo_password,
        workers=workers,
    )


@admin.command("rotate-keys")
def rotate_keys(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Rotate the token keys: staged -> primary, new staged key, prune old secondaries."""
    from pocketstack.core.identity import keys

    settings = load_settings(config, data_dir=data_dir)
    kept = keys.rotate(settings.keys_dir, settings.max_active_keys)
    typer.echo(f"keys in {settings.keys_dir}: {', '.join(map(str, kept))} (primary {kept[-1]})")


@admin.command("credential-rotate")
def credential_rotate(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Rotate the credential keys and re-encrypt every stored credential with the new key."""
    from pocketstack.core.identity import credential_keys
    from pocketstack.store import migrate
    from pocketstack.store.db import Database, make_engine

    settings = load_settings(config, data_dir=data_dir)
    engine = make_engine(settings.db_url)
    migrate.upgrade_if_needed(engine)
    kept = credential_keys.rotate(Database(engine), settings.credential_keys_dir, settings.max_active_keys)
    typer.echo(f"keys in {settings.credential_keys_dir}: {', '.join(map(str, kept))} (primary {kept[-1]})")
