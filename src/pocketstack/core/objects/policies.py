"""Object storage's policy rules (to be written with the Swift front end)."""

from __future__ import annotations

from pocketstack.core.policy import Rule

OBJECT_RULES: list[Rule] = []
