"""The version of the ftrack API this package implements."""

__version__ = "3.1.0"
