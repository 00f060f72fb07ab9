"""Near-duplicate text sketches: word shingles -> MinHash signature -> LSH band keys.

``sketch(text)`` normalises an article body (case-folded words, punctuation dropped), takes
its 5-word shingles, and returns a 128-value MinHash signature (multiply-shift hashing of
each shingle's 32-bit hash, numpy; stable across processes and machines) with its 32 LSH
band keys (4 values each). ``similarity(a, b)`` estimates the Jaccard similarity of two
texts' shingle sets from their signatures (standard error ~0.035 at 0.8).

With 32 bands of 4 rows, two texts become candidates when one band agrees: probability
1 - (1 - J^4)^32, i.e. >0.9999 at J = 0.8, 0.87 at 0.5, 0.003 at 0.1, so a pair worth a look
is almost never missed while unrelated articles rarely meet. The estimate alone is too
noisy to decide at the threshold (a true 0.85 reads below 0.8 one time in twenty), so a
candidate whose estimate reaches ``VERIFY_FROM`` (six standard errors under ``THRESHOLD``)
is decided by the exact Jaccard similarity of both texts' shingles (``jaccard``). Texts under
``MIN_WORDS`` words get no sketch (briefs and teasers where the same sentences legitimately
recur). Pure and deterministic; where the keys are kept is ``qa.store.lexical``, how
ingestion uses them ``ingest.copies``.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

SHINGLE = 5  # words per shingle
PERMUTATIONS, BANDS = 128, 32  # 32 bands x 4 rows
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.8  # Jaccard similarity at or above which two texts are copies of one story
VERIFY_FROM = 0.6  # estimates from here up are checked exactly
MIN_WORDS = 40  # shorter texts are not grouped
VERSION = f"{SHINGLE}-{PERMUTATIONS}-{BANDS}-1"  # change when any of the above changes

_WORD = re.compile(r"\w+", re.UNICODE)
_rng = np.random.default_rng(20220613)  # fixed: signatures must agree across runs
_A = _rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)  # odd
_B = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)
_BAND_SALT = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Sketch:
    """A text's MinHash signature (``PERMUTATIONS`` uint32 values), its LSH band keys
    (``BANDS`` signed 64-bit ints, one per band, salted with the band's position) and its
    shingle hashes (for the exact check; not stored)."""

    signature: np.ndarray
    bands: tuple[int, ...]
    shingles: np.ndarray

    def to_bytes(self) -> bytes:
        """The signature as stored (little-endian uint32)."""
        return self.signature.astype("<u4").tobytes()


def words(text: str) -> list[str]:
    """The normalised words of a text: case-folded, punctuation and markup dropped."""
    return _WORD.findall(text.casefold())


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of the text's ``SHINGLE``-word shingles (uint64 array)."""
    ws = words(text)
    if len(ws) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter((zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in ws),
                      dtype=np.uint64, count=len(ws))
    n = len(ws) - SHINGLE + 1
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            acc = (acc ^ ids[j : j + n]) * _MIX[j]
    return np.unique(acc >> np.uint64(32))


def sketch(text: str) -> Sketch | None:
    """The text's sketch, or None when it is too short to group (``MIN_WORDS``)."""
    if len(words(text)) < MIN_WORDS:
        return None
    x = shingle_hashes(text)
    sig = np.full(PERMUTATIONS, 2**32, dtype=np.uint64)
    buf = np.empty((PERMUTATIONS, min(len(x), 4096)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, len(x), 4096):  # bounded memory for very long texts
            part = x[lo : lo + 4096]
            out = buf[:, : len(part)]
            np.multiply(_A[:, None], part[None, :], out=out)  # in place: no temporaries
            out += _B[:, None]
            out >>= np.uint64(32)
            np.minimum(sig, out.min(axis=1), out=sig)
    return Sketch(sig.astype(np.uint32), band_keys(sig), x)


def band_keys(signature: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit key per band of ``ROWS`` signature values."""
    rows = signature.astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        acc = _BAND_SALT.copy()
        for j in range(ROWS):
            acc = (acc ^ rows[:, j]) * _MIX[j]
        acc ^= acc >> np.uint64(29)
    return tuple(int(v) for v in acc.view(np.int64))


def from_bytes(data: bytes) -> np.ndarray:
    """A stored signature (``Sketch.to_bytes``) as a uint32 array."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sets of shingle hashes (``shingle_hashes``)."""
    both = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - both
    return both / union if union else 0.0
