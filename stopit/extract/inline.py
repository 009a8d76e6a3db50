"""Owns finding an inline-forwarded message in plain text: its header block, the note above, the body below.

The parser looks for the forwarded message's own header block (From/Date/Subject/To lines in any
language listed in labels.py) rather than for one client's separator, so clients and languages it
has not seen still work when their labels are known. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from stopit.extract import labels
from stopit.models import Address

MAX_NESTING = 8
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)
_QUOTE = re.compile(r"^((?:[ \t]?>)+)[ \t]?")
_DASHED = re.compile(r"^\s*[-=]{2,}\s*(?P<text>[^-=\s][^\n]*?)\s*[-=]{2,}\s*$")
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_INTRO = re.compile(r"^\s*(?P<text>[^:\n]{3,60}?)\s?[:：]\s*$")


@dataclass(frozen=True)
class InlineForward:
    """One forwarded message found in text, as the forwarding client wrote it."""

    note: str
    separator: str
    fields: dict[str, str]
    body: str
    form: str  # "header-block" or "wrote-line"
    nested: tuple[InlineForward, ...] = field(default=())

    @property
    def from_(self) -> Address | None:
        found = parse_mailboxes(self.fields.get("from", ""))
        return found[0] if found else None

    def mailboxes(self, name: str) -> tuple[Address, ...]:
        return parse_mailboxes(self.fields.get(name, ""))


# --- the label table, compiled once ---------------------------------------------------------


@cache
def _inline_label_pattern() -> re.Pattern[str]:
    names = sorted({lab for labs in labels.HEADER_LABELS.values() for lab in labs}, key=len, reverse=True)
    alternation = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<![^\W\d_])(?:{alternation})\s?[:：]", re.IGNORECASE)


@cache
def _glued_label_pattern() -> re.Pattern[str]:
    """A label as the table spells it (capitalised), glued to what comes before, colon or not."""
    names = sorted({lab for labs in labels.HEADER_LABELS.values() for lab in labs if lab[:1].isupper()}, key=len)
    alternation = "|".join(re.escape(n) for n in reversed(names))
    return re.compile(rf"(?:{alternation})(?:\s?[:：]| (?=\S))")


@cache
def _field_of() -> dict[str, str]:
    return {lab.casefold(): name for name, labs in labels.HEADER_LABELS.items() for lab in labs}


@cache
def _wrote_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"^\s*{p}\s*$", re.IGNORECASE) for p in labels.WROTE_LINES)


# --- small helpers --------------------------------------------------------------------------


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def split_quote(line: str) -> tuple[int, str]:
    """(quote depth, the line without its quote markers)."""
    match = _QUOTE.match(line)
    if not match:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]


def header_line(content: str) -> tuple[str, str] | None:
    """('from', value) for a line like 'Von: Hans <h@x.de>' or '*From:* …', else None."""
    head = content[:48]
    cut = min((i for i in (head.find(":"), head.find("：")) if i >= 0), default=-1)
    if cut <= 0:
        return None
    name = _field_of().get(content[:cut].strip().strip("*").strip().casefold())
    if name is None:
        return None
    return name, content[cut + 1 :].strip().strip("*").strip()


def _has_words(text: str, words: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(w in folded for w in words)


def subject_prefixes(subject: str) -> list[str]:
    """The chain of 'Fwd:', 'Re:', 'WG:' … prefixes at the start of a subject, lowercased."""
    found: list[str] = []
    rest = subject.strip()
    while True:
        match = re.match(r"^\s*\[?([^\s:：\[\]]{1,12}?)\.?\s*(?:\[\d+\])?\s*[:：]\s*", rest)
        if not match:
            return found
        word = unicodedata.normalize("NFC", match.group(1).casefold())
        if word not in labels.FORWARD_PREFIXES and word not in labels.REPLY_PREFIXES:
            return found
        found.append(word)
        rest = rest[match.end() :]


def strip_prefixes(subject: str) -> str:
    rest = subject.strip()
    for _ in subject_prefixes(subject):
        rest = re.sub(r"^\s*\[?[^\s:：\[\]]{1,12}?\.?\s*(?:\[\d+\])?\s*[:：]\s*", "", rest, count=1)
    return rest.strip()


def subject_says(subject: str) -> str:
    """'forward', 'reply' or '' from the first prefix of the report's subject."""
    for word in subject_prefixes(subject):
        if word in labels.FORWARD_PREFIXES:
            return "forward"
        if word in labels.REPLY_PREFIXES:
            return "reply"
    return ""


# --- addresses ------------------------------------------------------------------------------

_ANGLE = re.compile(r"<\s*(?:mailto:)?(?P<addr>[^<>\s@,;]+@[^<>\s,;]+?)\s*>")
_BARE = re.compile(r"(?<![\w.<@-])(?P<addr>[\w!#$%&*+/=?^`{|}~-][\w.!#$%&'*+/=?^`{|}~-]*@[\w-]+(?:\.[\w-]+)+)")
_MAILTO_SUFFIX = re.compile(r"<mailto:[^<>]*>|\[mailto:(?P<addr>[^\]]+)\]")
_NAME_TRIM = " \t\"'“”„«»‘’`,;:()[]"

def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(_NAME_TRIM).strip()
    return name


def parse_mailboxes(value: str) -> tuple[Address, ...]:
    """Mailboxes as clients print them: 'Doe, John <j@x>', 'j@x <j@x>', 'John [mailto:j@x]', 'j@x; k@y'."""
    value = re.split(r"\s+on behalf of\s+", value, maxsplit=1, flags=re.IGNORECASE)[0]
    value = _MAILTO_SUFFIX.sub(lambda m: f" <{m.group('addr')}>" if m.group("addr") else "", value)
    found: list[Address] = []
    pos = 0
    while pos < len(value):
        angle = _ANGLE.search(value, pos)
        bare = _BARE.search(value, pos)
        if bare and (angle is None or bare.start() < angle.start()):
            following = _ANGLE.match(value, bare.end()) or _ANGLE.match(value, _skip_space(value, bare.end()))
            if following:
                angle = following
            else:
                name = _clean_name(value[pos : bare.start()])
                found.append(Address(bare.group("addr"), "" if name == bare.group("addr") else name))
                pos = bare.end()
                continue
        if angle is None:
            break
        name = _clean_name(value[pos : angle.start()])
        addr = angle.group("addr")
        found.append(Address(addr, "" if name.casefold() == addr.casefold() else name))
        pos = angle.end()
    tail = _clean_name(value[pos:])
    if not found and tail:
        found.extend(Address("", _clean_name(part)) for part in re.split(r"[;]", tail) if _clean_name(part))
    return tuple(found)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\"'”’»":
        pos += 1
    return pos


# --- the header block -----------------------------------------------------------------------


def _expand_run_together(lines: list[str]) -> list[str]:
    """Yahoo writes 'From: a <a@x>To: b <b@y>Subject: …' on one line: give each label its own line."""
    out: list[str] = []
    pattern = _inline_label_pattern()
    for line in lines:
        if line.count(":") + line.count("：") < 3 or len(line) > 4000:
            out.append(line)
            continue
        depth, content = split_quote(line)
        hits = list(pattern.finditer(content))
        fields = {_label_field(h) for h in hits}
        if len(fields - {None}) < 3 or "from" not in fields:
            out.append(line)
            continue
        hits = _with_glued_labels(content, hits)
        prefix = ">" * depth + " " if depth else ""
        head = content[: hits[0].start()]
        if head.strip():
            out.append(prefix + head.rstrip())
        for hit, end in zip(hits, [*(h.start() for h in hits[1:]), len(content)], strict=True):
            # Every label gets its colon back, so the block reads like any other header block.
            label = hit.group(0).rstrip().rstrip(":：").rstrip()
            out.append(f"{prefix}{label}: {content[hit.end() : end].strip()}")
    return out


def _label_field(hit: re.Match[str]) -> str | None:
    return _field_of().get(hit.group(0).rstrip(":：").strip().casefold())


def _with_glued_labels(content: str, hits: list[re.Match[str]]) -> list[re.Match[str]]:
    """Add the labels Yahoo runs into the value before: '… 09:26:50 MEZBetreff: …', '…>Dw Walter …'.

    Only in a line already known to be a run-together block, and only where no space could have
    separated them: right after '>' or after a capital letter (a zone name like CET). Yahoo drops the
    colon after some labels (Polish 'Dw', Portuguese 'Assunto'), so a following space also counts.
    """
    taken = [(h.start(), h.end()) for h in hits]
    extra = []
    for hit in _glued_label_pattern().finditer(content):
        before = content[hit.start() - 1] if hit.start() else ""
        if not (before == ">" or before.isupper()) or _label_field(hit) is None:
            continue
        if any(s < hit.end() and hit.start() < e for s, e in taken):
            continue
        extra.append(hit)
        taken.append((hit.start(), hit.end()))
    return sorted([*hits, *extra], key=lambda h: h.start())


def _is_continuation(content: str, last_field: str, last_value: str) -> bool:
    if not content.strip() or header_line(content):
        return False
    if last_field not in ("to", "cc", "bcc", "from", "reply_to"):
        return False
    stripped = content.strip()
    return "@" in stripped or stripped.startswith("<") or last_value.rstrip().endswith((",", ";"))


def _read_block(lines: list[str], start: int) -> tuple[dict[str, str], int, int] | None:
    """The header block starting at `start`: (fields, quote depth, index after it), if it is one."""
    depth, content = split_quote(lines[start])
    first = header_line(content)
    if first is None:
        return None
    fields: dict[str, str] = {}
    last = ""
    i = start
    while i < len(lines):
        line_depth, content = split_quote(lines[i])
        if line_depth != depth:
            break
        parsed = header_line(content)
        if parsed:
            name, value = parsed
            if name in fields:
                break
            fields[name] = value
            last = name
        elif last and _is_continuation(content, last, fields[last]):
            fields[last] = f"{fields[last]} {content.strip()}"
        else:
            break
        i += 1
    if "from" not in fields or len(fields) < 2:
        return None
    if not ({"date", "subject", "to"} & set(fields)):
        return None
    return fields, depth, i


def _separator_above(lines: list[str], start: int) -> tuple[str, int]:
    """The separator line just above a header block (skipping blanks), and where the note ends."""
    j = start - 1
    while j >= 0 and not split_quote(lines[j])[1].strip():
        j -= 1
    if j < 0:
        return "", 0
    _, content = split_quote(lines[j])
    if _DASHED.match(content) or _UNDERSCORES.match(content):
        return content.strip(), j
    intro = _INTRO.match(content)
    if intro and (_has_words(content, labels.FORWARD_WORDS) or _has_words(content, labels.ORIGINAL_WORDS)):
        return content.strip(), j
    if intro and j == 0:
        return content.strip(), j
    return "", start


def _body_after(lines: list[str], start: int, depth: int) -> str:
    """The forwarded body: to the end, or to a closing line ('--- End of forwarded message ---')."""
    out = []
    for line in lines[start:]:
        line_depth, content = split_quote(line)
        if _DASHED.match(content) and _has_words(content, labels.END_WORDS):
            break
        out.append(content if line_depth >= depth else line)
    return _dedent("\n".join(out)).strip("\n").strip()


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(x[cut:] for x in lines) if cut else text


def _separator_kind(separator: str) -> str:
    if _has_words(separator, labels.FORWARD_WORDS):
        return "forward"
    if _has_words(separator, labels.ORIGINAL_WORDS):
        return "original"
    return ""


def _find_block(lines: list[str]) -> tuple[int, tuple[dict[str, str], int, int]] | None:
    for i in range(len(lines)):
        block = _read_block(lines, i)
        if block:
            return i, block
    return None


def _find_wrote_line(lines: list[str]) -> tuple[int, int, re.Match[str]] | None:
    """An 'On <date>, <who> wrote:' line (maybe wrapped onto two lines): (start, end, match)."""
    for i in range(len(lines)):
        found = _wrote_at(lines, i, _wrote_patterns(), need_address=True)
        if found:
            return i, *found
    return None


def _wrote_at(
    lines: list[str], i: int, patterns: tuple[re.Pattern[str], ...], need_address: bool
) -> tuple[int, re.Match[str]] | None:
    """A 'wrote:' line at `i`, alone or wrapped onto the next line: (index after it, match)."""
    _, content = split_quote(lines[i])
    if not content.strip():
        return None
    candidates = [(content, i + 1)]
    if i + 1 < len(lines):
        candidates.append((content + " " + split_quote(lines[i + 1])[1].strip(), i + 2))
    for text, end in candidates:
        if (need_address and "@" not in text) or not text.rstrip().endswith((":", "：")):
            continue
        for pattern in patterns:
            match = pattern.match(text.strip())
            if match:
                return end, match
    return None


# --- where a reply's quoted original starts ---------------------------------------------------------


@dataclass(frozen=True)
class QuoteStart:
    """Where a reply's quoted original starts (`start`) and what introduces it ends (`end`).

    `attribution`: introduced by an 'On … wrote:' line. Clients quote below such a line with '>', and
    an answer written below the quote (bottom-posting) is the writer's again.
    """

    start: int
    end: int
    attribution: bool


def quote_start(lines: list[str]) -> QuoteStart | None:
    """The first place in a reply where the client put the quoted original, in any language of labels.py:
    an attribution ('On … wrote:', 'Il giorno … ha scritto:', maybe wrapped onto two lines), a separator
    ('-----Original Message-----', Outlook's line of underscores) or a header block ('From: … Sent: …',
    or a lone 'From:' with an address). Lines already quoted with '>' are the quote itself, not its start.
    """
    for i, line in enumerate(lines):
        depth, content = split_quote(line)
        if depth or not content.strip():
            continue
        if _UNDERSCORES.match(content) or (
            _DASHED.match(content) and _separator_kind(content) in ("original", "forward")
        ):
            return QuoteStart(i, i + 1, attribution=False)
        header = header_line(content)
        if header is not None and (_read_block(lines, i) or (header[0] == "from" and "@" in header[1])):
            return QuoteStart(i, i, attribution=False)
        wrote = _wrote_at(lines, i, _attribution_patterns(), need_address=False)
        if wrote:
            return QuoteStart(i, wrote[0], attribution=True)
    return None


@cache
def _attribution_patterns() -> tuple[re.Pattern[str], ...]:
    """The 'wrote:' lines of a reply. Thunderbird and Apple Mail name the writer without an address, so
    a line that opens with a word of its own ('On', 'Am', 'Le') matches whoever it names; one that opens
    with the date (Yandex's) keeps needing the address to be told from a line of text."""
    return tuple(
        re.compile(rf"^\s*{_any_writer(p) if p[:1].isalpha() else p}\s*$", re.IGNORECASE) for p in labels.WROTE_LINES
    )


def _any_writer(pattern: str) -> str:
    """`pattern` with its `who` group matching any name: the group's expression, found by its brackets."""
    start = pattern.find("(?P<who>")
    if start < 0:
        return pattern
    depth, i = 0, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":
            i = pattern.index("]", i + 2)  # a class's brackets hold no group ("[^<>]", "[^,]")
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return f"{pattern[:start]}(?P<who>.+?){pattern[i + 1 :]}"
        i += 1
    return pattern


def find_inline_forward(text: str, subject: str = "", depth: int = 0, to_desk: bool = True) -> InlineForward | None:
    """The outermost forwarded message in `text`, with any forwards nested in its body.

    A header block under a reply's subject is a quote, not a forward, unless a forward separator
    says otherwise. With no prefix either way, a block counts only in mail sent to the desk
    (`to_desk`): in mail between other people it is the quote of a reply.
    """
    lines = _expand_run_together(normalise(text).split("\n"))
    intent = subject_says(subject)
    block = _find_block(lines)
    found: InlineForward | None
    if block:
        start, (fields, quote_depth, end) = block
        separator, note_end = _separator_above(lines, start)
        kind = _separator_kind(separator)
        if kind != "forward" and (intent == "reply" or (not intent and not to_desk)):
            return None
        note = "\n".join(lines[:note_end]).strip()
        found = InlineForward(note, separator, fields, _body_after(lines, end, quote_depth), "header-block")
    else:
        found = _wrote_forward(lines, intent)
        if found is None:
            return None
    if depth < MAX_NESTING:
        inner = find_inline_forward(found.body, found.fields.get("subject", ""), depth + 1)
        if inner is not None:
            found = InlineForward(
                found.note, found.separator, found.fields, found.body, found.form, (inner, *inner.nested)
            )
    return found


_QUOTED_NAME = re.compile(r"[\"“„«]\s*(?P<name>[^\"“”„«»]+?)\s*[\"”»]")


def _date_and_who(date: str, who: str) -> tuple[str, str]:
    """Split what a lazy 'wrote:' pattern gave back: time tokens belong to the date, not the name."""
    anchor = _ANGLE.search(who) or _BARE.search(who)
    before, after = (who[: anchor.start()], who[anchor.start() :]) if anchor else (who, "")
    quoted = _QUOTED_NAME.search(before)
    if quoted:
        extra, name = before[: quoted.start()], quoted.group("name")
    else:
        extra, _, name = before.rpartition(",") if "," in before else ("", "", before)
        words = name.split()
        while words and (any(c.isdigit() for c in words[0]) or words[0].casefold() in labels.WROTE_CONNECTORS):
            extra += " " + words.pop(0)
        name = " ".join(words)
    extra_words = [w for w in extra.replace(",", " ").split() if w.casefold() not in labels.WROTE_CONNECTORS]
    date = " ".join([date.strip().rstrip(","), *extra_words]).strip()
    return date, f"{name.strip(_NAME_TRIM)} {after.strip()}".strip()


def _wrote_forward(lines: list[str], intent: str) -> InlineForward | None:
    """A '<date>, <who> wrote:' line is a forward when the subject says so (Outlook 2019) or a
    forward separator stands right above it (Yandex: '--- Пересылаемое сообщение ---', then
    '16.11.2026, 20:52, "Name" <a@b>:')."""
    wrote = _find_wrote_line(lines)
    if wrote is None:
        return None
    start, end, match = wrote
    separator, note_end = _separator_above(lines, start)
    if _separator_kind(separator) != "forward":
        if intent != "forward":
            return None
        separator, note_end = "", start
    date, who = _date_and_who(match.group("date"), match.group("who"))
    fields = {"from": who, "date": date}
    body_depth = min((split_quote(x)[0] for x in lines[end:] if x.strip()), default=0)
    note = "\n".join(lines[:note_end]).strip()
    return InlineForward(note, separator, fields, _body_after(lines, end, body_depth), "wrote-line")
