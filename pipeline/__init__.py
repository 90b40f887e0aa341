"""Thin stage entry points and the `leadscore` command line."""
