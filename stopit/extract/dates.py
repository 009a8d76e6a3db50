"""Owns reading a date as a mail client wrote it — RFC 5322 or localised — into ISO 8601.

A forwarded header block carries the date the way the forwarding client printed it: "Monday,
November 16, 2026 11:58 PM", "Dienstag, 2. November 2021, 09:26:50 MEZ", "16 ноября 2026 г., 23:58",
"2026年11月16日(月) 午後11:58". Each is rewritten into words dateutil reads (English month, AM/PM
after the time, a numeric zone), using the tables in labels.py; weekdays and filler words drop out.
When a date cannot be read, the answer is '' rather than a guess: staff still see the raw text.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cache

from stopit.extract import labels

# Only a real RFC 5322 date goes to the e-mail parser: it is lenient and would drop "PM".
_RFC5322 = re.compile(
    r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|[A-Za-z]{1,5}))?(?:\s*\([^)]*\))?\s*$"
)
# Western dates: words (month and weekday names, filler) and a day written "2.".
_WORD = re.compile(r"(?<![\w])[^\W\d_]+\.?(?![\w])")
_DAY_DOT = re.compile(r"(?<![\d.])(\d{1,4})\.(?=\s|,|$)")
_ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The time of day, and a zone given as an offset from UTC.
_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?\b")
# Chinese, Japanese and Korean dates and times spell units with characters: 2026年11月16日 23時58分.
_CJK_DATE = re.compile(r"(?P<y>\d{4})\s*[年년]\s*(?P<mo>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?")
_CJK_TIME = re.compile(r"(?P<h>\d{1,2})\s*[時时시]\s*(?P<m>\d{1,2})\s*[分분]?")


def parse_date(raw: str) -> str:
    """ISO 8601 for a date a mail client wrote, or '' when it cannot be read."""
    raw = raw.strip()
    if not raw:
        return ""
    if _RFC5322.match(raw):
        try:
            return parsedate_to_datetime(raw).isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    parsed = _dateutil(to_english(raw))
    return parsed.isoformat() if parsed is not None else ""


def _dateutil(text: str) -> datetime | None:
    from dateutil import parser as date_parser  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
        try:
            return date_parser.parse(text, fuzzy=False)
        except (ValueError, OverflowError, TypeError, LookupError):
            return None


def to_english(raw: str) -> str:
    """The date rewritten into tokens dateutil reads: 'Dienstag, 2. November 2021, 09:26:50 MEZ' →
    '2 Nov 2021 09:26:50 +0100'."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ")
    text = _CJK_DATE.sub(lambda m: f"{m['y']}-{int(m['mo']):02d}-{int(m['d']):02d} ", text)
    text = _CJK_TIME.sub(lambda m: f"{m['h']}:{int(m['m']):02d}", text)
    text = re.sub(r"\((?:[^)\d]*)\)", " ", text)  # "(月)", "(Mon)": a weekday in brackets
    text = _OFFSET.sub(lambda m: f" {m['sign']}{int(m['h']):02d}{m['m'] or '00'}", text)
    text, meridiem = _take_meridiem(text)
    text = _dotted_time(text)
    text = _DAY_DOT.sub(r"\1", text)
    text = _WORD.sub(_word, text)
    if meridiem:
        text = _TIME.sub(lambda m: f"{m.group(0)} {meridiem}", text, count=1)
    return re.sub(r"[\s,]+", " ", text).strip(" ,")


def _take_meridiem(text: str) -> tuple[str, str]:
    """Remove a.m./p.m. in any of the table's spellings; return which it was."""
    for word, meaning in _meridiem_words():
        pattern = rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])"
        if re.search(pattern, text, flags=re.IGNORECASE):
            return re.sub(pattern, " ", text, count=1, flags=re.IGNORECASE), meaning
    return text, ""


@cache
def _meridiem_words() -> tuple[tuple[str, str], ...]:
    words = [(w, "AM") for w in labels.AM_WORDS] + [(w, "PM") for w in labels.PM_WORDS]
    spaced = [(w.replace(".", ". ").strip(), m) for w, m in words if "." in w]  # "p. m." (Spanish)
    return tuple(sorted({*words, *spaced}, key=lambda x: -len(x[0])))


def _dotted_time(text: str) -> str:
    """'klo 09.26.50' and '2021 09.26.50' (after a four-digit year) are times, not dates."""
    words = "|".join(re.escape(w) for w in labels.DOTTED_TIME_WORDS)
    text = re.sub(
        rf"(?<![^\W\d_])(?:{words})\.?\s+(\d{{1,2}})\.(\d{{2}})(?:\.(\d{{2}}))?(?!\d)",
        lambda m: f" {m[1]}:{m[2]}" + (f":{m[3]}" if m[3] else ""),
        text,
        flags=re.IGNORECASE,
    )
    return re.sub(
        r"(\b\d{4}\b\D+?)(\d{1,2})\.(\d{2})(?:\.(\d{2}))?(?![\d.])",
        lambda m: f"{m[1]}{m[2]}:{m[3]}" + (f":{m[4]}" if m[4] else ""),
        text,
    )


def _word(match: re.Match[str]) -> str:
    """A month name becomes English; a zone name its offset; AM/PM and anything else (weekdays,
    'de', 'um', 'г.') is dropped."""
    word = match.group(0)
    if word.rstrip(".") in labels.ZONES:
        hours = labels.ZONES[word.rstrip(".")]
        sign = "-" if hours < 0 else "+"
        minutes = round(abs(hours) * 60)
        return f" {sign}{minutes // 60:02d}{minutes % 60:02d}"
    month = month_number(word)
    if month:
        return f" {_ENGLISH_MONTHS[month - 1]} "
    if word.upper() in ("AM", "PM", "T"):
        return word
    return " "


def month_number(word: str) -> int:
    """The month a (possibly abbreviated, any-case) month name means, or 0 when none or ambiguous."""
    key = word.casefold().rstrip(".")
    exact = _month_names().get(key)
    if exact:
        return exact
    if len(key) < 3:
        return 0
    if any(day.startswith(key) for day in _weekdays()):
        return 0
    found = {n for name, n in _month_names().items() if name.startswith(key)}
    return found.pop() if len(found) == 1 else 0


@cache
def _weekdays() -> tuple[str, ...]:
    return tuple(day.casefold() for day in labels.WEEKDAYS)


@cache
def _month_names() -> dict[str, int]:
    return {name.casefold(): n for n, names in labels.MONTHS.items() for name in names}
