"""Remove site clutter from article text, line by line, with general rules.

``filter_clutter(text)`` normalises the text (NFC, unicode spaces, zero-width characters,
bidi controls, markdown syntax when asked), cuts everything from the copyright footer on
("(c) 2025 X. All rights reserved." once the article has started), and drops lines that are page
furniture rather than article: skip links, menus, "Tags:", share/subscribe/newsletter
prompts, cookie notices, comment prompts, trademark notices, "Currently reading"-style
widgets, "Advertisement", photo credits together with their caption lines, and lines
without a single letter. Clutter rules only ever match short lines, so a sentence in the
body that merely mentions a newsletter or cookies survives. What remains is returned as
paragraphs (hard-wrapped lines re-joined). Titles, bylines and dates are not handled here
(see ``ingest.header``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.dates import date_line

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
# embeddings, overrides, isolates and marks that reorder what is shown ("gnp.exe" as "exe.png")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.I)


# Whole-line furniture (the line is nothing but this), checked on lines up to 15 words.
_WHOLE = _rx(
    r"(skip|jump|go) to (the )?(main |primary )?(content|navigation|main|article|search|footer)",
    r"(currently|now) reading|up next|read next|(next|previous) (article|story|post)",
    r"recommended( for you| stories| articles| reading)?|most (read|popular|viewed|shared)",
    r"trending( now| stories| news)?|related( articles| stories| coverage| content| news)?",
    r"more (stories|news|coverage|articles|headlines|videos)|more from .{1,40}",
    r"you (may|might) also (like|be interested in)|don'?t miss|editor'?s picks?",
    r"latest (news|stories|headlines|videos)|top (stories|news|headlines)|back to top|top",
    r"menu|search|home|close|sign in|log in|login|log out|sign out|my account|register",
    r"subscribe( now| today| here)?|advertisement|advertising|sponsored( content)?",
    r"paid (post|content)|promoted( content)?|story continues below( advertisement)?",
    r"continue reading( below| the main story)?|scroll (down )?to continue.*|loading\W*",
    r"watch( live| now| video)?|listen( now| to this (article|story))?|\d+ min(ute)?s? read",
    r"comments?|\d+ comments?|(show|view|hide) comments|(leave|post|add|write) a comment",
    r"print( this)?( article| page)?|e-?mail( this)?( article| story)?|copy link|link copied",
    r"share( this)?( article| story| page)?|save( article| story| for later)?",
    r"follow( us)?|gallery|(open|view) gallery|advertise with us|close ad",
    r"report an? (error|typo|correction)|toggle navigation|breadcrumbs?|you are here:?.*",
    r"already a subscriber\??.*|opens in (a )?new (window|tab)",
)
# Lines that start like furniture, checked on lines up to 25 words.
_START = _rx(
    r"(tags?|topics?|keywords|filed under|categories|category|related topics|more on|"
    r"see more on|explore more on|sections?|related|read more|see also|read also)\s*[:\-–]",
    r"(sign up|signup|subscribe|register|join|get)\b.{0,120}\b(newsletters?|inbox|"
    r"e-?mails?|alerts|updates|briefing|digest)\b",
    r"receive\b.{0,80}\b(news|inbox|alerts|updates|newsletters?|analysis)\b",
    r".{0,80}\b(sent|delivered)( right| directly| straight)? to your inbox",
    r"(read|view|show|post|leave|add|see|load|join)( and post| all| the| a| our)? "
    r"(comments?|conversation|discussion)\b",
    r"please (review|read|see) (our |the )?(community|commenting|comment) (guidelines|rules)",
    r"join the (\w+ )?(community|conversation|discussion)\b",
    r"privacy\s*:|.{0,40}\bwe (will )?never share your (e-?mail|information|details)",
    r"interest-based advertising|do not sell( or share)? my personal information",
    r"(privacy policy|terms (of|and) (use|service|conditions)|cookie (policy|settings))\b",
    r"(we|this (web)?site|our (web)?site|our partners) uses? cookies",
    r"(accept|reject|manage|allow)( all)? cookies|by (continuing|using|clicking).{0,80}cookies",
    r"(download|get|install) (the|our) .{1,40}\bapps?\b",
    r"follow (us|[\w.]+( \w+)?) on (facebook|twitter|x|instagram|linkedin|threads|bluesky|"
    r"tiktok|youtube|whatsapp)",
    r"(reporting|writing|editing|additional reporting|compiled) by\b",
    r"(please )?(enable|turn on) javascript|your browser does not support",
    r"(click|tap) here (to|for)\b|(have|got) a (news )?tip\b",
    r".{0,150}\b(are|is) (a |the )?(registered )?trademarks? of\b",
)
_CREDIT = _rx(
    r"(photo|image|picture|video|graphic|illustration|photograph)s?"
    r"( credits?| courtesy| by)?\s*[:(]",
    r"((photo|image) )?credits?\s*:|courtesy( of)?\b",
    r"\(?(ap|afp|reuters|getty images?|epa(-efe)?|shutterstock|aap|pa|xinhua|kyodo)"
    r"( photo)?\s*/\s*[^)]{0,60}\)?$",
)
_CAPTION_CREDIT = re.compile(
    r".{0,400}\((photo|image|credit|ap photo|reuters|getty images?|afp)\b[^)]{0,80}\)$", re.I)
_COPYRIGHT = _rx(r"(copyright\b|©|\(c\)\s*\d{4})", r".{0,150}\ball rights reserved\b")
_SHARE_WORDS = {"share", "on", "facebook", "x", "twitter", "email", "e-mail", "print",
                "linkedin", "whatsapp", "reddit", "copy", "link", "tweet", "this", "article",
                "story", "pinterest", "save", "comments", "comment", "messenger", "telegram",
                "flipboard", "bluesky", "threads", "sms", "gift"}
_SHARE_KEY = {"share", "facebook", "twitter", "linkedin", "whatsapp", "email", "print",
              "tweet", "reddit", "pinterest", "telegram", "flipboard", "bluesky"}
_NAV_SEP = re.compile(r"\s+[|•·]\s+")
_BULLET = re.compile(r"^([-*•]|\d{1,2}[.)])\s")
_BYLINE = re.compile(r"^by\s", re.I)
MAX_TEXT_CHARS = 500_000  # bounds the time spent on pathological inputs
FOOTER_MIN_WORDS = 50  # a copyright line after this much text ends the article


@dataclass
class Filtered:
    """Paragraphs left after filtering, and the copyright line found (for the source)."""

    paragraphs: list[str] = field(default_factory=list)
    copyright: str = ""


def strip_bidi(text: str) -> str:
    """``text`` without Unicode bidi controls (U+202A-E, U+2066-9, U+200E/F, U+061C)."""
    return _BIDI.sub("", text)


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, plain spaces, no zero-width characters or bidi controls."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return strip_bidi(_ZERO_WIDTH.sub("", _SPACES.sub(" ", text)))


def count_words(text: str) -> int:
    """Words in ``text``; Chinese and Japanese have no spaces: two characters count as one."""
    return len(text.split()) + len(_CJK.findall(text)) // 2


def is_copyright(line: str, n: int | None = None) -> bool:
    n = count_words(line) if n is None else n
    return n <= 25 and bool(_COPYRIGHT.match(line))


def is_credit(line: str, n: int | None = None) -> bool:
    """A photo credit ("Photo: AP", "Photo credit: x.com") or a caption ending in one."""
    n = count_words(line) if n is None else n
    if n <= 15 and _CREDIT.match(line):
        return True
    return n <= 60 and bool(_CAPTION_CREDIT.match(line))


def is_clutter(line: str, n: int | None = None) -> bool:
    """True when the whole line (whitespace-normalised) is page furniture."""
    s = line
    n = count_words(s) if n is None else n
    if n > 25 and "|" not in s and "•" not in s and "·" not in s:
        return False  # a sentence-length line is never furniture (fast path)
    if not any(c.isalpha() for c in s):
        return True
    if n <= 15 and _WHOLE.fullmatch(s.rstrip(" .:!›»>|").strip()):
        return True
    if n <= 25 and _START.match(s):
        return True
    if n <= 15:
        tokens = [t for t in (w.strip(".,:;!|()").lower() for w in s.split()) if t]
        if set(tokens) <= _SHARE_WORDS and _SHARE_KEY.intersection(tokens):
            return True
    segments = _NAV_SEP.split(s)
    return len(segments) >= 3 and all(
        count_words(seg) <= 4 and not any(c.isdigit() for c in seg) for seg in segments)


def _markdown(text: str) -> str:
    text = re.sub(r"!\[[^\]\n]*\]\([^)\n]*\)", "", text)
    text = re.sub(r"\[([^\]\n]+)\]\([^)\n]*\)", r"\1", text)
    text = re.sub(r"(?m)^\s{0,3}(#{1,6}|>)\s*", "", text)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


def _assemble(lines: list[str], pdf: bool) -> list[str]:
    """One block's lines -> paragraphs: re-join hard-wrapped lines, keep separate ones."""
    if len(lines) == 1:
        return lines
    wrapped = pdf or (all(len(x) >= 40 for x in lines[:-1])
                      and max(len(x) for x in lines) <= 120
                      and not any(_BULLET.match(x) or _BYLINE.match(x) or date_line(x)
                                  for x in lines))
    if not wrapped:
        return lines
    joined = lines[0]
    for line in lines[1:]:
        if joined.endswith("-") and joined[-2:-1].isalpha() and line[:1].islower():
            joined = joined[:-1] + line  # de-hyphenate "govern-\nment"
        else:
            joined += " " + line
    return [joined]


def filter_clutter(text: str, *, fmt: str = "") -> Filtered:
    """Split ``text`` into clean paragraphs. ``fmt``: "", "markdown" or "pdf".

    Only the first ``MAX_TEXT_CHARS`` characters are read (no news article is longer).
    """
    text = normalise(text[:MAX_TEXT_CHARS])
    if fmt == "markdown":
        text = _markdown(text)
    out = Filtered()
    words_before = 0
    for raw_block in re.split(r"\n\s*\n", text):
        lines = [" ".join(x.split()) for x in raw_block.split("\n")]
        lines = [x for x in lines if x]
        if not lines:
            continue
        kept: list[str] = []
        cut = False
        counts = [count_words(x) for x in lines]
        credit_block = any(is_credit(x, n) for x, n in zip(lines, counts, strict=True))
        for line, n in zip(lines, counts, strict=True):
            if is_copyright(line, n):
                out.copyright = out.copyright or line
                if words_before >= FOOTER_MIN_WORDS:
                    cut = True
                    break
                continue
            if credit_block and (n <= 30 or is_credit(line, n)):
                continue  # a photo credit and the caption lines around it
            if is_clutter(line, n):
                continue
            kept.append(line)
            words_before += n
        if len(kept) >= 4 and all(count_words(x) <= 3 and x[-1] not in ".!?"
                                  and not any(c.isdigit() for c in x) for x in kept):
            kept = []  # a menu: a column of one-to-three-word lines (no dates or numbers)
        out.paragraphs.extend(_assemble(kept, fmt == "pdf") if kept else [])
        if cut:
            break
    return out
