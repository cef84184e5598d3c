"""dcode: a local coding assistant that tests every candidate before showing it to you."""

__version__ = "0.1.0"
