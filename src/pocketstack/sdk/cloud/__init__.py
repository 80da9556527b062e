"""Compound operations over several services ("give me a server", "upload this directory")."""
