"""Body of ``PUT /os-pocketstack-faults`` (pocketstack's own): counts of builds and actions to
fail or crash, whole numbers up to Nova's database integer, and a build delay in seconds of at
most ``MAX_BUILD_DELAY``."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import NonNegativeInt, fail
from pocketstack.core.compute.faults import MAX_BUILD_DELAY


def _seconds(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            fail(f"{value!r} is not a number")
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{value!r} is not a number")
    if not (math.isfinite(value) and 0 <= value <= MAX_BUILD_DELAY):
        fail(f"{value} is not a number of seconds from 0 to {MAX_BUILD_DELAY:g}")
    return float(value)


class Faults(Wire):
    fail_builds: NonNegativeInt = None  # type: ignore[assignment]
    fail_actions: NonNegativeInt = None  # type: ignore[assignment]
    crash_builds: NonNegativeInt = None  # type: ignore[assignment]
    build_delay: Annotated[float, BeforeValidator(_seconds)] = None  # type: ignore[assignment]


class SetFaults(Wire):
    faults: Faults
