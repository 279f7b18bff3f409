"""Correcting misspelt queries in Thai and Latin script, for every search backend.

A typed query is cut into tokens: each Latin word, and each run of Thai
script as a whole (a misspelt Thai word does not segment into the words it
was meant to be: พริกกระเหรี่ยง comes out as พริก + กระเหรี่ยง). Each token gets
close spellings that the index knows:

- a Latin word: words of the vocabulary within a weighted edit distance
  (substitution, insertion, deletion, swap of neighbours; c/k, i/y, s/z cost
  half), found through shared letter pairs first so only a few dozen words
  are compared; "hony" is one insertion from "honey" and two edits from
  "hand", so honey wins;
- a Thai run: the run with one edit (a dropped, added, swapped or confused
  letter, with tone marks, ไ/ใ, ร in a cluster and look-alike consonants
  costing half), kept when newmm cuts the result into words that are all in
  the index: ลำใย becomes ลำไย, พริกกระเหรี่ยง becomes พริกกะเหรี่ยง.

A correction is offered only when the backend confirms that the corrected
query finds products (`has_results`), so "did you mean" never leads nowhere.
The backend supplies its vocabulary (`Vocabulary`): Whoosh reads it from the
index, PostgreSQL from its word table.
"""

import re
from collections import Counter
from functools import lru_cache

from .. import thai_analysis as ta

MAX_TOKENS = 8
MAX_THAI_RUN = 30
MAX_CANDIDATES = 40
MAX_TRIES = 24

# Thai letters people confuse (same sound, or one key apart on the Kedmanee layout).
_THAI_GROUPS = (
    "ไใ",
    "\u0e48\u0e49\u0e4a\u0e4b",  # tone marks
    "ศษส",
    "ณน",
    "ลร",
    "ทธฑฒ",
    "ตฏ",
    "ดฎ",
    "ยญ",
    "คฆฅ",
    "พภ",
    "ขฃ",
    "ผพ",
    "ซส",
    "\u0e31\u0e30",  # mai han-akat and sara a
    "\u0e34\u0e35",  # sara i and ii
    "\u0e36\u0e37",  # sara ue and uee
    "\u0e38\u0e39",  # sara u and uu
    "\u0e32\u0e33",  # sara aa and am
)
_LATIN_GROUPS = ("ck", "iy", "sz")
_CHEAP = {}
for _group in _THAI_GROUPS + _LATIN_GROUPS:
    for _a in _group:
        for _b in _group:
            if _a != _b:
                _CHEAP[_a, _b] = 0.5
# Letters often left out or typed twice: marks, short vowels, ร of a cluster.
_LIGHT = set("\u0e48\u0e49\u0e4a\u0e4b\u0e47\u0e4c\u0e31\u0e30\u0e34\u0e35\u0e38\u0e39\u0e23")
_THAI_INSERTS = (
    "\u0e48\u0e49\u0e31\u0e30\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e32"  # marks and vowels
    "\u0e23\u0e07\u0e19\u0e22\u0e2d\u0e27"  # ร ง น ย อ ว
)
_TOKENS = re.compile(r"([\u0e00-\u0e7f]+)|([^\W\d_]+)")


def _indel(ch):
    return 0.5 if ch in _LIGHT else 1.0


def _missing(ch):
    """Cost of a letter the typist left out: Latin vowels are dropped most."""
    return 0.7 if ch in "aeiou" else _indel(ch)


def distance(a, b, limit=3.0):
    """Weighted edit distance from typed `a` to index word `b` (optimal string alignment).

    Stops early above `limit`. A letter typed twice ("doormatt") or a Latin
    vowel left out ("hony") costs less than another edit, so "hony" is
    closer to "honey" than to "hong".
    """
    if a == b:
        return 0.0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2 = None
    previous = [0.0]
    for ch in b:
        previous.append(previous[-1] + _missing(ch))
    for i, ca in enumerate(a, 1):
        extra = 0.5 if i > 1 and a[i - 2] == ca else _indel(ca)
        current = [previous[0] + extra]
        for j, cb in enumerate(b, 1):
            cost = 0.0 if ca == cb else _CHEAP.get((ca, cb), 1.0)
            value = min(previous[j] + extra, current[j - 1] + _missing(cb), previous[j - 1] + cost)
            if (
                previous2 is not None
                and i > 1
                and j > 1
                and ca == b[j - 2]
                and a[i - 2] == cb
                and ca != cb
            ):
                value = min(value, previous2[j - 2] + 1.0)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def max_distance(word):
    """How far a correction may be from a typed Latin word of this length."""
    return 1.0 if len(word) <= 4 else 2.0


def bigrams(word):
    """The word's letter pairs, with its ends marked, for finding candidates."""
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


class Vocabulary:
    """Words of the index with their document counts; finds close Latin words.

    Built from (word, count) pairs; the letter-pair index is made on first use.
    A backend with its own similarity index (pg_trgm) overrides `close_words`.
    """

    def __init__(self, counts):
        self.counts = dict(counts)
        self._pairs = None
        self._words = None

    def preload(self, words):
        """Look many words up at once (a database vocabulary overrides this)."""

    def knows(self, word):
        """Whether a whole word occurs in the index."""
        return self.counts.get(word, 0) > 0

    def count(self, word):
        """Documents holding the word."""
        return self.counts.get(word, 0)

    def close_words(self, word):
        """Latin words of the index sharing most letter pairs with `word` (unranked)."""
        if self._pairs is None:
            pairs = {}
            words = [w for w in self.counts if w.isascii() and w.isalpha() and len(w) > 2]
            for n, w in enumerate(words):
                for pair in bigrams(w):
                    pairs.setdefault(pair, []).append(n)
            self._pairs, self._words = pairs, words
        shared = Counter()
        for pair in bigrams(word):
            shared.update(self._pairs.get(pair, ()))
        return [self._words[n] for n, _ in shared.most_common(MAX_CANDIDATES)]


def latin_alternatives(word, vocabulary):
    """[(cost, word)] of close index words, cheapest (then most common) first."""
    limit = max_distance(word)
    found = []
    for candidate in vocabulary.close_words(word):
        if candidate == word:
            continue
        cost = distance(word, candidate, limit)
        if cost <= limit:
            found.append((cost, -vocabulary.count(candidate), candidate))
    found.sort()
    return [(cost, candidate) for cost, _, candidate in found]


def _edits(run):
    """(cost, text) of every single edit of a Thai run."""
    for i, ch in enumerate(run):
        yield _indel(ch), run[:i] + run[i + 1 :]
        for (a, b), cost in _CHEAP.items():
            if a == ch and not b.isascii():
                yield cost, run[:i] + b + run[i + 1 :]
        if i + 1 < len(run) and run[i + 1] != ch:
            yield 1.0, run[:i] + run[i + 1] + ch + run[i + 2 :]
    for i in range(len(run) + 1):
        for ch in _THAI_INSERTS:
            yield _indel(ch), run[:i] + ch + run[i:]


@lru_cache(maxsize=4096)
def _words_of(run):
    return tuple(w.text for w in ta.segment(run, stopwords=False))


def thai_alternatives(run, vocabulary):
    """[(cost, text)] of one-edit spellings of a Thai run whose words the index all knows.

    Fewer words first at equal cost (a run read as one known word is the
    likelier meaning), then the rarest word's count.
    """
    if len(run) > MAX_THAI_RUN:
        return []
    edits = [(cost, text) for cost, text in _edits(run) if text]
    vocabulary.preload({w for _cost, text in edits for w in _words_of(text)})
    best = {}
    for cost, text in edits:
        if cost >= best.get(text, (9.0,))[0]:
            continue
        words = _words_of(text)
        if words and all(vocabulary.knows(w) for w in words):
            best[text] = (cost, len(words), -min(vocabulary.count(w) for w in words))
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(key[0], text) for text, key in ranked[:MAX_CANDIDATES]]


def tokens(text):
    """(start, end, text, thai) of each Latin word and Thai run of a normalized query."""
    found = []
    for match in _TOKENS.finditer(text):
        thai = match.group(1) is not None
        found.append((match.start(), match.end(), match.group(0), thai))
    return found[:MAX_TOKENS]


def _known(token, thai, vocabulary):
    if thai:
        words = _words_of(token)
        return bool(words) and all(vocabulary.knows(w) for w in words)
    return vocabulary.knows(token)


def correct(text, vocabulary, has_results):
    """A corrected spelling of the query that finds products (per `has_results`), or "".

    First every unknown token takes its best alternative; if that finds
    nothing, one token at a time tries its alternatives (a Thai run whose
    words all exist can still be wrong together, as ลำ + ใย for ลำไย).
    """
    text = ta.normalize(text)
    found = tokens(text)
    if not found:
        return ""
    vocabulary.preload(
        {w for _s, _e, token, thai in found for w in (_words_of(token) if thai else (token,))}
    )
    options = []
    for _start, _end, token, thai in found:
        if not thai and (len(token) < 3 or not token.isascii()):
            options.append([])
        elif thai:
            options.append(thai_alternatives(token, vocabulary))
        else:
            options.append(latin_alternatives(token, vocabulary))
    tries = 0

    def spelled(choice):
        parts, cursor = [], 0
        for (start, end, _token, _thai), replacement in zip(found, choice, strict=True):
            parts.append(text[cursor:start])
            parts.append(replacement)
            cursor = end
        parts.append(text[cursor:])
        return " ".join("".join(parts).split())

    originals = [token for _s, _e, token, _t in found]
    first = [
        token if _known(token, thai, vocabulary) or not alternatives else alternatives[0][1]
        for (_s, _e, token, thai), alternatives in zip(found, options, strict=True)
    ]
    if first != originals:
        tries += 1
        candidate = spelled(first)
        if has_results(candidate):
            return candidate
    singles = []
    for n, alternatives in enumerate(options):
        for cost, replacement in alternatives[:6]:
            singles.append((cost, n, replacement))
    singles.sort(key=lambda item: item[0])
    for base in (first, originals) if first != originals else (originals,):
        for _cost, n, replacement in singles:
            if tries >= MAX_TRIES:
                return ""
            if base[n] == replacement:
                continue
            choice = list(base)
            choice[n] = replacement
            tries += 1
            candidate = spelled(choice)
            if has_results(candidate):
                return candidate
    return ""
