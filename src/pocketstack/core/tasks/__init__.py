"""Tasks: every state-changing action on a server, persisted with its steps (seed 001)."""
