"""Swift's bulk layer: bulk delete and extract-archive, with their reports."""

from __future__ import annotations

import io
import tarfile

import anyio

from pocketstack.api.object_v1.middleware.bulk_report import (
    best_format,
    report_body,
    send_report_with_heartbeat,
)
from pocketstack.api.object_v1.middleware.tar_archive import archive_files, compression_of
from tests.functional import object_layers_support as support
from tests.functional.object_layers_support import SwiftAccount

swift = support.swift


def make_tar(
    files: dict[str, bytes], compression: str = "", pax: dict[str, dict[str, str]] | None = None
) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:" + compression, format=tarfile.PAX_FORMAT) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.pax_headers = (pax or {}).get(name, {})
            archive.addfile(info, io.BytesIO(data))
        directory = tarfile.TarInfo("emptydir")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
    return out.getvalue()


def test_report_formats() -> None:
    assert best_format(None) == "text/plain"
    assert best_format("application/json") == "application/json"
    assert best_format("text/xml;q=0.5, application/json;q=0.9") == "application/json"
    assert best_format("image/png") is None
    values = {"Number Deleted": 1, "Response Status": "200 OK"}
    assert report_body("text/plain", values, [["/c/o", "409 Conflict"]], "delete") == (
        b"Number Deleted: 1\nResponse Status: 200 OK\nErrors:\n/c/o, 409 Conflict\n"
    )
    xml = report_body("application/xml", values, [], "delete")
    assert xml.startswith(b"<delete>\n<number_deleted>1</number_deleted>")


def test_archive_files_reads_pax_metadata() -> None:
    pax = {"c/a.txt": {"SCHILY.xattr.user.mime_type": "text/x-a", "SCHILY.xattr.user.meta.color": "red"}}
    data = make_tar({"./c/a.txt": b"aaa", "c/b": b"b"}, "gz", pax={"./c/a.txt": pax["c/a.txt"]})
    found = [(f.name, f.size, f.headers, f.data.read()) for f in archive_files(io.BytesIO(data), "gz")]
    assert found == [
        ("c/a.txt", 3, {"Content-Type": "text/x-a", "X-Object-Meta-color": "red"}, b"aaa"),
        ("c/b", 1, {}, b"b"),
    ]
    assert compression_of("tar.bz2") == "bz2"
    assert compression_of("zip") is None


def test_bulk_delete(swift: SwiftAccount) -> None:
    swift.put("c1")
    swift.put("c2")
    for name in ("c1/a", "c1/b c", "c2/x"):
        assert swift.put(name, b"1").status_code == 201
    body = "/c1/a\n/c1/b%20c\n/c1/missing\n/c2/x\n/c2\n"
    resp = swift.post("", params={"bulk-delete": ""}, content=body, headers={"Accept": "application/json"})
    assert resp.status_code == 200
    report = resp.json()
    assert report["Number Deleted"] == 4
    assert report["Number Not Found"] == 1
    assert report["Response Status"] == "200 OK"
    assert report["Errors"] == []
    assert swift.head("c2").status_code == 404


def test_bulk_delete_failures_and_text(swift: SwiftAccount) -> None:
    swift.put("full")
    swift.put("full/o", b"1")
    resp = swift.post("", params={"bulk-delete": ""}, content="/full\n")
    assert resp.status_code == 200
    lines = resp.text.splitlines()
    assert "Response Status: 409 Conflict" in lines or "Response Status: 400 Bad Request" in lines
    assert lines[-1] == "/full, 409 Conflict"
    empty = swift.post("", params={"bulk-delete": ""}, content="")
    assert "Response Body: Invalid bulk delete." in empty.text


def test_extract_archive(swift: SwiftAccount) -> None:
    archive = make_tar(
        {"photos/a.jpg": b"A" * 10, "photos/sub/b.jpg": b"B", "toplevel": b"skipped", "docs/r": b"r"}
    )
    resp = swift.put("", archive, params={"extract-archive": "tar"}, headers={"Accept": "application/json"})
    assert resp.status_code == 200
    report = resp.json()
    assert report["Number Files Created"] == 3, report
    assert report["Response Status"] == "201 Created"
    assert swift.get("photos/sub/b.jpg").content == b"B"
    assert swift.get("docs/r").content == b"r"


def test_extract_archive_into_container_with_metadata(swift: SwiftAccount) -> None:
    swift.put("dest")
    pax = {"a.txt": {"SCHILY.xattr.user.meta.color": "red"}}
    archive = make_tar({"a.txt": b"hello", "d/e.txt": b"e"}, "bz2", pax=pax)
    resp = swift.put("dest/pre", archive, params={"extract-archive": "tar.bz2"})
    assert "Number Files Created: 2" in resp.text
    got = swift.get("dest/pre/a.txt")
    assert got.content == b"hello"
    assert got.headers["x-object-meta-color"] == "red"


def test_extract_archive_errors(swift: SwiftAccount) -> None:
    bad = swift.put("", b"not a tar", params={"extract-archive": "tar.gz"})
    assert bad.status_code == 200
    assert "Response Status: 400 Bad Request" in bad.text
    assert "Invalid Tar File" in bad.text
    assert swift.put("", b"", params={"extract-archive": "zip"}).status_code == 400


def test_report_heartbeat_while_work_runs() -> None:
    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)

    async def slow() -> bytes:
        await anyio.sleep(0.05)
        return b"Errors:\n"

    anyio.run(lambda: send_report_with_heartbeat(send, "text/plain", slow, every=0.01))
    assert messages[0]["status"] == 200
    bodies = [m["body"] for m in messages[1:]]
    assert set(bodies[:-1]) == {b" "}
    assert bodies[-1] == b"\r\n\r\nErrors:\n"
