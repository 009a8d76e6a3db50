"""stopit: an email-driven harassment report desk.

Data flows ingest → extract → trace → route → act → store → schedule.
"""

__version__ = "0.1.0"
