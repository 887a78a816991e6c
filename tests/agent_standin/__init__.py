"""Test-only stand-in for the closed-source SMS-Agent, and helpers that serve it (see README.md)."""
