"""Structures: how a location lays out resource identifiers for components."""
