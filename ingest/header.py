"""Title, byline, dateline and author bio found in an article's paragraphs.

``take_header`` looks at the first few short paragraphs (it stops where the body starts):
the title (when none is known), a repeat of the known title or author, a byline ("By X",
"By X and Y", "By X, Staff Writer", "By X | Friday, 29 November 2024", "X | Reuters") and
a date line ("June 12, 2022", "Published: 2022/06/12"); each one found is removed from the
text. ``take_bio`` finds a closing author bio ("Jane Doe" then "Jane Doe is a reporter
...") and removes it, returning the name. Names must look like names (capitalised words),
so a paragraph that merely starts with "By the time ..." is left alone. No clutter
filtering here (see ``ingest.clutter``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ingest.dates import date_line, parse_date

_BY = re.compile(r"^(?:by|written by|words by|story by)\b\s*[:\-]?\s*(.*)$", re.I)
_PIPED = re.compile(r"^([^|]{3,60}?)\s*\|\s*(.{2,60})$")
_SEPARATORS = re.compile(r"\s*(?:\||•|·|—|–|\s-\s)\s*")
_AND = re.compile(r"\s*,?\s+(?:and|&)\s+", re.I)
_ROLE = re.compile(r"\b(staff|writer|reporter|correspondent|editor|contributor|columnist|"
                   r"photographer|producer|bureau chief|analyst|special to)\b", re.I)
_ORG = re.compile(r"\b(press|news|times|post|reuters|agency|network|media|herald|journal|"
                  r"tribune|daily|wire|bureau|service|gazette|ledger|chronicle|telegraph|"
                  r"guardian|ap|afp|bloomberg|cnn|bbc|npr|upi|kyodo|xinhua|newsroom)\b", re.I)
_PARTICLES = {"de", "van", "von", "da", "di", "del", "della", "la", "le", "bin", "al", "ibn",
              "du", "dos", "das", "der", "ten", "ter", "y"}
_NOT_NAMES = {"the", "a", "an", "of", "for", "in", "on", "at", "to", "news", "staff", "press",
              "photos", "photo", "video", "editorial", "board", "report", "reports", "team"}
_BIO_VERB = r"\s+(is|was|has|covers|writes|reports|joined|serves|became|edits)\b"
_JOURNO = re.compile(r"\b(reporter|writer|journalist|correspondent|editor|columnist|"
                     r"contributor|covers|author)\b", re.I)
HEADER_PARAGRAPHS = 8  # how many leading paragraphs may hold title/byline/date


@dataclass
class Header:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    agency: str = ""


def is_person_name(s: str) -> bool:
    """Two to five capitalised words (particles like "van" allowed), no digits."""
    tokens = s.split()
    if not 2 <= len(tokens) <= 5 or len(s) > 60:
        return False
    for t in tokens:
        if t.lower() in _NOT_NAMES:
            return False
        if t.lower() in _PARTICLES:
            continue
        if not (t[0].isupper() and all(c.isalpha() or c in "'’.-" for c in t)):
            return False
    return True


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.lower()).split())


def _names(piece: str) -> tuple[list[str], str] | None:
    """("Jane Doe and John Roe, Associated Press") -> (names, agency); None if not names."""
    names: list[str] = []
    agency = ""
    for part in (p.strip() for p in _AND.sub(", ", piece.strip(" ,;")).split(",")):
        if not part:
            continue
        if _ORG.search(part) and len(part.split()) <= 6:
            agency = agency or part
        elif _ROLE.search(part):
            continue
        elif is_person_name(part):
            names.append(part)
        else:
            return None
    return names, agency


def parse_byline(p: str) -> Header | None:
    """A byline paragraph's authors/date/agency, or None if ``p`` is not a byline."""
    if len(p.split()) > 25:
        return None
    h = Header()
    m = _BY.match(p)
    if m:
        pieces = _SEPARATORS.split(m.group(1))
        found = _names(pieces[0])
        if found is None:
            return None
        h.authors, h.agency = found
        for piece in pieces[1:]:
            d = parse_date(piece)
            if d:
                h.published = h.published or d
            elif piece and len(piece.split()) <= 6 and not h.agency:
                h.agency = piece
        return h
    m = _PIPED.match(p)  # "Jane Doe | Reuters"
    if m and is_person_name(m.group(1).strip()):
        h.authors = [m.group(1).strip()]
        d = parse_date(m.group(2))
        if d:
            h.published = d
        else:
            h.agency = m.group(2).strip()
        return h
    return None


def _looks_like_title(p: str) -> bool:
    n = len(p.split())
    return (3 <= n <= 25 and len(p) <= 200 and p[-1] not in ".,;:"
            and any(c.isupper() for c in p))


def take_header(paras: list[str], known_title: str = "", known_author: str = ""
                ) -> tuple[list[str], Header]:
    """Remove title/byline/date paragraphs from the top; return what was found."""
    h = Header()
    out = list(paras)
    title_key, author_key = _norm(known_title), _norm(known_author)
    i = seen = 0
    while i < len(out) and seen < HEADER_PARAGRAPHS:
        p = out[i]
        seen += 1
        key = _norm(p)
        if (title_key and key == title_key) or (author_key and key == author_key):
            del out[i]
            continue
        by = parse_byline(p)
        if by is not None:
            h.authors = h.authors or by.authors
            h.published = h.published or by.published
            h.agency = h.agency or by.agency
            del out[i]
            continue
        d = date_line(p)
        if d:
            h.published = h.published or d
            del out[i]
            continue
        if (not known_title and not h.title and _looks_like_title(p)
                and all(len(x.split()) <= 2 for x in out[:i])):
            h.title = p
            del out[: i + 1]  # the title, and a section kicker ("Local News") above it
            i = 0
            continue
        if len(p.split()) > 12:
            break  # the body has started
        i += 1
    return out, h


def take_bio(paras: list[str], known_author: str = "") -> tuple[list[str], str]:
    """Remove a closing author bio; return (paragraphs, the bio's name or "")."""
    start = max(0, len(paras) - 5)
    for i in range(start, len(paras) - 1):
        name, bio = paras[i], paras[i + 1]
        if (is_person_name(name) and len(bio.split()) <= 90
                and re.match(re.escape(name) + _BIO_VERB, bio)):
            return paras[:i] + paras[i + 2:], name
    first = known_author.split(",")[0].split(" and ")[0].strip()
    if paras and first and is_person_name(first):
        last = paras[-1]
        if (re.match(re.escape(first) + _BIO_VERB, last) and len(last.split()) <= 90
                and _JOURNO.search(last)):
            return paras[:-1], ""
    return paras, ""


def join_names(names: list[str]) -> str:
    """["A"] -> "A"; ["A", "B"] -> "A and B"; ["A", "B", "C"] -> "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
