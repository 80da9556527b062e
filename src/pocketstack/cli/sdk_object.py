"""``pocketstack object``: upload and download files and whole directories, with a progress
bar, through the SDK (every byte checked by MD5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pocketstack.cli.commands import Columns, Format, Target, field
from pocketstack.cli.sdk_commands import (
    byte_progress,
    connect,
    fail,
    human_size,
    record,
    sdk_options,
    show_list,
)

object_app = typer.Typer(
    no_args_is_help=True, help="Objects: upload and download files and directories (through the SDK)."
)

# -- object ---------------------------------------------------------------------------------------

OBJECT_COLUMNS: Columns = {
    "Name": field("name"),
    "Bytes": field("content_length"),
    "ETag": field("etag"),
}


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


@object_app.command("upload")
@sdk_options
def object_upload(
    target: Target,
    container: Annotated[str, typer.Argument(help="The container (created when missing).")],
    path: Annotated[Path, typer.Argument(help="A file, or a directory uploaded with everything under it.")],
    prefix: Annotated[str, typer.Option(help="Put before every object name (e.g. 'backups/').")] = "",
    name: Annotated[
        str | None, typer.Option(help="The object's name, for a file (default: prefix + file name).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Files sent at once.")] = 4,
) -> None:
    """Upload a file, or a directory tree (object names are the paths below it), every byte
    checked by its MD5."""
    if not path.exists():
        fail(f"no such file or directory: {path}")
    with connect(target) as conn:
        store = conn.object_store
        if path.is_dir():
            with byte_progress(f"uploading {path.name or path}", _tree_size(path)) as bar:
                objects = store.upload_directory(
                    container, path, prefix=prefix, concurrency=concurrency, progress=bar.totals
                )
        else:
            store.create_container(name=container)
            with byte_progress(f"uploading {path.name}", path.stat().st_size) as bar:
                objects = [
                    store.create_object(
                        container, name or prefix + path.name, filename=path, progress=bar.advance
                    )
                ]
        docs = [record(o) for o in objects]
        total = sum(d.get("content_length") or 0 for d in docs)
        show_list(docs, target.fmt, OBJECT_COLUMNS)
        if target.fmt is Format.table:
            typer.echo(f"uploaded {len(docs)} objects ({human_size(total)}) to {container}")


@object_app.command("download")
@sdk_options
def object_download(
    target: Target,
    container: Annotated[str, typer.Argument(help="The container.")],
    path: Annotated[Path, typer.Argument(help="The directory to write into (made when missing).")],
    prefix: Annotated[
        str, typer.Option(help="Only objects whose names start with this (taken off the file names).")
    ] = "",
    concurrency: Annotated[int, typer.Option(min=1, help="Files fetched at once.")] = 4,
) -> None:
    """Download every object of a container (or under a prefix) into a directory, each file
    written whole and checked against its ETag."""
    if path.exists() and not path.is_dir():
        fail(f"not a directory: {path}")
    with connect(target) as conn:
        with byte_progress(f"downloading {container}", None) as bar:
            files = conn.object_store.download_directory(
                container, path, prefix=prefix, concurrency=concurrency, progress=bar.totals
            )
        docs = [{"path": str(f), "bytes": f.stat().st_size} for f in files]
        show_list(docs, target.fmt, {"File": field("path"), "Bytes": field("bytes")})
        if target.fmt is Format.table:
            typer.echo(f"downloaded {len(docs)} files into {path}")
