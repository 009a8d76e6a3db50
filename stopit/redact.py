"""Owns keeping people's addresses out of the log: every line the desk writes names a mailbox by its domain.

The log is read by more people, and kept longer, than the case file. A reporter's address belongs
in the case (the database, mode 0600), never in the journal; the domain is enough to diagnose mail
flow. One filter on the log handlers masks the local part of anything that looks like an address,
in the message and in a traceback, whatever the level and whichever module wrote it.
"""

from __future__ import annotations

import logging
import re

# local@domain with a dotted domain (the local part without / and quotes, so that URLs and reprs keep their shape).
_ADDRESS = re.compile(r"(?<![\w.+-])[\w.!#$%&*+=?^{|}~-]{1,64}@(?=[\w-]+(?:\.[\w-]+)+)")


def mask_addresses(text: str) -> str:
    """`maria.lopez@campus.example.edu` → `…@campus.example.edu`."""
    return _ADDRESS.sub("…@", text)


class AddressMask(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_addresses(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_addresses(record.exc_text)
        return True


def install(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, AddressMask) for f in handler.filters):
            handler.addFilter(AddressMask())
