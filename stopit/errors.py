"""The exception tree of stopit, drawn once here.

StopitError                  every error stopit raises on purpose
├── ConfigError              a config or rule file is wrong; the message names file, key and what is expected
├── MailboxError             the reporting mailbox cannot be reached or used right now (retry later)
├── StoreError               the database cannot store right now (retry later; nothing was half-written)
├── TransportError           outgoing mail could not be handed over
│   ├── TemporaryFailure     4xx or a network fault: retry with backoff
│   └── PermanentFailure     5xx: do not retry
└── ProcessingError          one message failed in one stage; it is quarantined, the daemon carries on
"""

from __future__ import annotations


class StopitError(Exception):
    """Every error stopit raises on purpose."""


class ConfigError(StopitError):
    """A config or rule mistake, phrased as `file: key: what is wrong (what is expected)`."""


class MailboxError(StopitError):
    """The reporting mailbox cannot be reached or used right now."""


class StoreError(StopitError):
    """The database cannot store right now."""


class TransportError(StopitError):
    """Outgoing mail could not be handed over."""


class TemporaryFailure(TransportError):
    """A 4xx answer or a network fault: worth retrying."""


class PermanentFailure(TransportError):
    """A 5xx answer: retrying will not help."""


class ProcessingError(StopitError):
    """One message failed in one stage; `stage` says which."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage
