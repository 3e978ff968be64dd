"""Reporters: listeners that turn run events into output. They never re-run logic."""
