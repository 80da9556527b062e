"""Turn a subunit v2 stream into one JSON object per test (id, status, seconds, detail).

Runs inside the Tempest virtualenv (it imports python-subunit and testtools from there), never
in ours: ``tempest_runner`` calls it as ``<tempest-venv>/bin/python _subunit_to_json.py FILE``.
"""

from __future__ import annotations

import json
import sys

import subunit.v2  # type: ignore[import-not-found]
import testtools  # type: ignore[import-not-found]

DETAIL_LIMIT = 6000
DETAILS = ("reason", "traceback")


def emit(test: dict) -> None:
    start, stop = test["timestamps"]
    seconds = (stop - start).total_seconds() if start and stop else None
    detail = ""
    for name in DETAILS:
        content = test["details"].get(name)
        if content is not None:
            text = content.as_text()
            half = DETAIL_LIMIT // 2
            detail = text if len(text) <= DETAIL_LIMIT else f"{text[:half]}\n[...]\n{text[-half:]}"
            break
    record = {
        "id": test["id"],
        "status": test["status"],
        "seconds": seconds,
        "start": start.timestamp() if start else None,
        "worker": next((t for t in sorted(test["tags"]) if t.startswith("worker-")), None),
        "detail": detail,
    }
    sys.stdout.write(json.dumps(record) + "\n")


def main(path: str) -> None:
    with open(path, "rb") as stream:
        result = testtools.StreamToDict(emit)
        result.startTestRun()
        try:
            subunit.v2.ByteStreamToStreamResult(stream, non_subunit_name="stdout").run(result)
        finally:
            result.stopTestRun()


if __name__ == "__main__":
    main(sys.argv[1])
