"""``pocketstack image``: upload (with a progress bar) and list images, through the SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pocketstack.cli.commands import Columns, Target, field
from pocketstack.cli.sdk_commands import (
    byte_progress,
    connect,
    fail,
    human_size,
    record,
    sdk_options,
    show,
    show_list,
)

image_app = typer.Typer(no_args_is_help=True, help="Images: upload and list (Image v2, through the SDK).")

# -- image ----------------------------------------------------------------------------------------

IMAGE_COLUMNS: Columns = {
    "ID": field("id"),
    "Name": field("name"),
    "Status": field("status"),
    "Disk format": field("disk_format"),
    "Size": lambda d: human_size(d.get("size")),
    "Visibility": field("visibility"),
}


@image_app.command("upload")
@sdk_options
def image_upload(
    target: Target,
    path: Annotated[Path, typer.Argument(help="The image file.")],
    name: Annotated[str | None, typer.Option(help="Its name (default: the file's, without suffix).")] = None,
    disk_format: Annotated[
        str | None, typer.Option(help="qcow2, raw, iso ... (default: from the suffix, else raw).")
    ] = None,
    container_format: Annotated[str, typer.Option(help="bare, ovf ...")] = "bare",
) -> None:
    """Upload a file as a new image (checksums verified; the image is removed if it fails)."""
    if not path.is_file():
        fail(f"not a file: {path}")
    with connect(target) as conn:
        with byte_progress(f"uploading {path.name}", path.stat().st_size) as bar:
            image = conn.upload_image(
                path, name, disk_format=disk_format, container_format=container_format, progress=bar.advance
            )
        show(record(image), target.fmt)


@image_app.command("list")
@sdk_options
def image_list(target: Target) -> None:
    """Every image the project sees."""
    with connect(target) as conn:
        show_list([record(i) for i in conn.image.images()], target.fmt, IMAGE_COLUMNS)
