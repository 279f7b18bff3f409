"""Thai-aware text analysis for the search index: newmm words plus their syllables.

Thai is written without spaces, so a whitespace or regex tokenizer either
finds no words or cuts at every tone mark. Here a Thai run is split into
words with PyThaiNLP's dictionary-based newmm ("newmm-safe", which bounds its
running time on long ambiguous input), and at index time each word's
syllables are indexed too, so that "ข้าว" finds "ข้าวเหนียวดำ". Syllables take
consecutive positions and a word shares the position of its first syllable,
so a phrase of syllables ("ข้าว" "เหนียว") matches inside a compound word.

The searchable text fields also get each pair of adjacent units (syllables of
Thai compounds, whole words otherwise; Latin stemmed) as one term joined by
PAIR_JOINER, e.g. "ข้าว_เหนียว" and "sticki_rice". A phrase then becomes one
term lookup per pair instead of a positional match, and those fields need no
positions in the index (smaller, and far cheaper to match).

Latin text is lower-cased and stemmed (Porter2); Thai digits (๐-๙) become
Arabic digits so "๑ กก." and "1 กก." are the same.

Whoosh pickles the analyzer into the index, so the classes here must stay
importable under this module path wherever the index is opened; rename them
only together with a rebuild (bump search.SCHEMA_VERSION).
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from pythainlp.tokenize import syllable_tokenize, word_tokenize
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter2 import stem as porter2_stem

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
MAX_TOKEN_LENGTH = 60
# Joins the two units of a pair term; never part of a real token (see _RUNS).
PAIR_JOINER = "_"

# A run of Thai script (letters, vowels, tone marks, digits were mapped away),
# or a run of anything that is a letter or digit in another script.
_RUNS = re.compile(r"([\u0e00-\u0e7f]+)|([^\W_]+(?:[-'’][^\W_]+)*)")
_LATIN_PARTS = re.compile(r"\d+|[^\W\d_]+")
_THAI_MARKS_ONLY = re.compile(r"^[ๆฯ\u0e2f\u0e46\u0e4f\u0e5a\u0e5b]+$")
_SPACE = re.compile(r"\s+")
# Invisible characters people paste from chat apps, and a sara am typed as
# nikhahit + sara aa (looks the same, compares different); likewise sara ae
# typed as two sara e (see `normalize`).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_THAI_FIXES = (("\u0e4d\u0e32", "\u0e33"), ("\u0e32\u0e4d", "\u0e33"))
_PUNCT = re.compile(r"[^\w\u0e00-\u0e7f]+")
# Invisible characters go and Thai digits become 0-9 in one pass (neither
# takes part in the sara am / sara ae fixes, so the order does not matter).
_NORMALIZE_MAP = {**_INVISIBLE, **THAI_DIGITS}
_MAPPED = re.compile("[" + "".join(map(chr, _NORMALIZE_MAP)) + "]")


class Word(NamedTuple):
    """One word of analysed text: its form, its syllables (Thai only) and its script."""

    text: str
    syllables: tuple
    thai: bool


def normalize(text):
    """Text as the index sees it: NFC, Thai marks in order, Thai digits as 0-9, lower case.

    PyThaiNLP's normalize() does more (repeated vowels) but cost a third of
    the indexing time; typed queries go through the same function, so both
    sides agree.
    """
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # str.translate looks every character up in a dict: only when one needs it.
    if _MAPPED.search(text):
        text = text.translate(_NORMALIZE_MAP)
    if "\u0e4d" in text:
        for wrong, right in _THAI_FIXES:
            text = text.replace(wrong, right)
    if "\u0e40\u0e40" in text:  # sara ae typed as two sara e: looks the same
        text = text.replace("\u0e40\u0e40", "\u0e41")
    return text.casefold()


def name_key(text):
    """A whole name reduced to one comparable key: no spaces, no punctuation."""
    return _PUNCT.sub("", _SPACE.sub("", normalize(text)))


@lru_cache(maxsize=200_000)
def syllables_of(word):
    """The syllables of one Thai word (offline dictionary engine; no CRF model needed)."""
    parts = tuple(
        s for s in syllable_tokenize(word, engine="dict", keep_whitespace=False) if s.strip()
    )
    if not parts or "".join(parts) != word:
        return (word,)
    return parts


@lru_cache(maxsize=50_000)
def _thai_words(run):
    return tuple(
        w
        for w in word_tokenize(run, engine="newmm-safe", keep_whitespace=False)
        if w.strip() and not _THAI_MARKS_ONLY.match(w)
    )


def segment(text, stopwords=True):
    """Normalized text as a list of Words, in reading order.

    A hyphenated Latin compound ("hand-woven") yields its parts; see
    `compounds` for the joined form the tokenizer adds at index time.
    """
    return _segment(normalize(text), stopwords)[0]


def _segment(normalized, stopwords):
    words = []
    joined = []
    for match in _RUNS.finditer(normalized):
        thai_run, other_run = match.groups()
        if thai_run:
            for w in _thai_words(thai_run):
                if len(w) <= MAX_TOKEN_LENGTH:
                    words.append(Word(w, syllables_of(w), True))
            continue
        parts = _LATIN_PARTS.findall(other_run)
        if len(parts) > 1 and ("-" in other_run or "'" in other_run or "’" in other_run):
            compound = "".join(parts)
            if len(compound) <= MAX_TOKEN_LENGTH:
                joined.append(compound)
        for part in parts:
            if len(part) > MAX_TOKEN_LENGTH or (stopwords and part in STOP_WORDS):
                continue
            words.append(Word(part, (), False))
    return words, joined


def unit_term(unit):
    """A unit as indexed in the text fields: Latin words stemmed, the rest as they are."""
    return stem_word(unit) if unit.isascii() and unit.isalpha() else unit


def pair_terms(units):
    """The pair terms of a run of units (already as `unit_term` gives them)."""
    return [f"{a}{PAIR_JOINER}{b}" for a, b in zip(units, units[1:], strict=False)]


class ThaiTokenizer(Tokenizer):
    """Words of Thai and Latin text; at index time also each Thai word's syllables.

    With pairs=True (the text fields), index time also yields each adjacent
    pair of units as one term (see the module docstring).
    """

    def __init__(self, syllables=True, stopwords=True, pairs=False):
        self.syllables = syllables
        self.stopwords = stopwords
        self.pairs = pairs

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        if not tokenize:
            token.text = token.original = normalize(value)
            if positions:
                token.pos = start_pos
            yield token
            return
        with_syllables = self.syllables and mode != "query"
        with_pairs = getattr(self, "pairs", False) and mode != "query"
        units = []
        pos = start_pos
        words, joined = _segment(normalize(value), self.stopwords)
        for word in words:
            if with_pairs:
                if len(word.syllables) > 1:
                    units.extend(word.syllables)
                else:
                    units.append(unit_term(word.text))
            token.text = word.text
            if keeporiginal:
                token.original = word.text
            if positions:
                token.pos = pos
            yield token
            many = with_syllables and len(word.syllables) > 1
            if many:
                for i, syllable in enumerate(word.syllables):
                    token.text = syllable
                    if positions:
                        token.pos = pos + i
                    yield token
            pos += len(word.syllables) if many else 1
        if mode != "query":
            for compound in joined:
                token.text = compound
                if positions:
                    token.pos = pos
                yield token
                pos += 1
        if with_pairs:
            for pair in pair_terms(units):
                token.text = pair
                if positions:
                    token.pos = pos
                yield token


# British and American spellings (and common product-name variants) share one term.
SPELLING_VARIANTS = {
    "chilli": "chili",
    "chillies": "chilies",
    "chile": "chili",
    "chiles": "chilies",
    "colour": "color",
    "colours": "colors",
    "flavour": "flavor",
    "flavours": "flavors",
    "grey": "gray",
    "jewellery": "jewelry",
    "yoghurt": "yogurt",
    "favourite": "favorite",
}


class LatinStemFilter(Filter):
    """Porter2-stems Latin-script words; Thai words and numbers pass untouched."""

    is_morph = True

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if text.isascii() and text.isalpha():
                token.text = stem_word(text)
            yield token


@lru_cache(maxsize=100_000)
def stem_word(word):
    """The English stem of a lower-case word, after folding spelling variants."""
    return porter2_stem(SPELLING_VARIANTS.get(word, word))


class NameKeyTokenizer(Tokenizer):
    """One token per line: the whole name as a key, for exact-name matches."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, value, positions=False, chars=False, start_pos=0, mode="", **kwargs):
        token = Token(positions, chars, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        for i, line in enumerate(value.splitlines()):
            key = name_key(line)
            if key:
                token.text = key[:200]
                if positions:
                    token.pos = start_pos + i
                yield token


NAME_HEAD_UNITS = 8


def name_heads(text):
    """The starts of a name as keys: its first syllable, first two, … (words for Latin).

    "ผ้าฝ้ายทอมือ" gives ผ้า, ผ้าฝ้าย, ผ้าฝ้ายทอ, …; "Black sticky rice" gives
    black, blacksticky, blackstickyrice. A query whose `name_key` is one of
    them starts that name, which outranks a match further in.
    """
    heads = []
    head = ""
    for word in segment(text, stopwords=False):
        for unit in word.syllables if word.thai and len(word.syllables) > 1 else (word.text,):
            head += unit
            heads.append(head[:200])
            if len(heads) >= NAME_HEAD_UNITS:
                return heads
    return heads


class _KeysTokenizer(Tokenizer):
    """One token per distinct key that `keys` gives for each line of the value."""

    def __eq__(self, other):
        return type(self) is type(other)

    def keys(self, line):
        """The keys of one line."""
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, start_pos=0, mode="", **kwargs):
        token = Token(positions, chars, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        for key in _distinct_keys(self.keys, value):
            token.text = key
            if positions:
                token.pos = start_pos
            yield token


def _distinct_keys(keys, value):
    """`keys(line)` for each line of the value, each key once, in order."""
    return list(dict.fromkeys(key for line in value.splitlines() for key in keys(line)))


class NameHeadTokenizer(_KeysTokenizer):
    """Per line, the name's starts (see `name_heads`), for name-prefix matches."""

    def keys(self, line):
        """The starts of one name."""
        return name_heads(line)


class CompletionTokenizer(_KeysTokenizer):
    """For as-you-type: each name from each word or syllable onwards, so prefixes match inside."""

    max_length = 48

    def keys(self, line):
        """One name from each word or syllable onwards."""
        return completion_keys(line)


def completion_keys(name):
    """The name, normalized with single spaces, from each word and syllable start onwards."""
    text = _SPACE.sub(" ", normalize(name)).strip()
    if not text:
        return []
    starts = {0}
    cursor = 0
    for match in _RUNS.finditer(text):
        thai_run, other_run = match.groups()
        cursor = match.start()
        if other_run:
            starts.add(cursor)
            continue
        offset = cursor
        for word in _thai_words(thai_run):
            found = text.find(word, offset)
            if found < 0:
                break
            for syllable in syllables_of(word):
                at = text.find(syllable, found)
                if at >= 0:
                    starts.add(at)
                    found = at + len(syllable)
            offset = found
    return [text[s : s + CompletionTokenizer.max_length].strip() for s in sorted(starts)]


def completion_prefix(text):
    """What the buyer typed, normalized the way completion keys are."""
    return _SPACE.sub(" ", normalize(text)).strip()[: CompletionTokenizer.max_length]


def index_terms(text):
    """The terms a searchable text field holds for `text`: words, syllables, stems, pairs."""
    return tuple(token.text for token in _INDEXED_ANALYZER(text))


def word_terms(text):
    """Whole words of `text`, unstemmed (the vocabulary for corrections)."""
    return tuple(token.text for token in _WORDS_ANALYZER(text))


def name_keys(text):
    """Each line of `text` as a whole-name key (see `name_key`), empty ones left out."""
    return tuple(key for key in map(name_key, text.splitlines()) if key)


class Terms(NamedTuple):
    """Everything both search backends index of one product, as terms (see `document_terms`)."""

    names: tuple  # index_terms of the names, in order
    context: tuple  # ... of group, category, claims and places
    body: tuple  # ... of summaries, descriptions and variant labels
    words: tuple  # word_terms of names, context and body
    name_keys: tuple  # each name line as one key
    name_heads: tuple  # the starts of each name line, each once
    completion: tuple  # names and group names from each word or syllable on, each once


# Names, group and category texts repeat across a catalog's products (a group's
# products share their context): their analysis is kept, keyed by the text.
_REPEATED_TEXTS = 8192


@lru_cache(maxsize=_REPEATED_TEXTS)
def _repeated(kind, text):
    if kind == "keys":
        return name_keys(text)
    if kind == "heads":
        return tuple(_distinct_keys(name_heads, text))
    return tuple(_distinct_keys(completion_keys, text))


def document_terms(names, context, body, group_names):
    """The terms of a product's texts (as `common.product_texts` gives them), for either backend.

    Equal to what the Whoosh analyzers yield for the same fields (`plain_document_terms`
    is that, and tests compare the two): the "words" of names, context and body
    analysed apart are those of the three joined by line breaks, as no word
    spans a line break. Each text is segmented once for its index terms and its
    words (`text_terms`), and the names, group and category come from a cache.
    """
    names_terms = _repeated_terms(names)
    context_terms = _repeated_terms(context)
    body_terms = text_terms(body)
    return Terms(
        names=names_terms[0],
        context=context_terms[0],
        body=body_terms[0],
        words=names_terms[1] + context_terms[1] + body_terms[1],
        name_keys=_repeated("keys", names),
        name_heads=_repeated("heads", names),
        completion=tuple(
            dict.fromkeys(_repeated("complete", names) + _repeated("complete", group_names))
        ),
    )


def plain_document_terms(names, context, body, group_names):
    """`document_terms` straight from the Whoosh analyzers, with no cache: the reference."""
    return Terms(
        names=index_terms(names),
        context=index_terms(context),
        body=index_terms(body),
        words=word_terms(names) + word_terms(context) + word_terms(body),
        name_keys=name_keys(names),
        name_heads=tuple(_distinct_keys(name_heads, names)),
        completion=tuple(
            dict.fromkeys(
                _distinct_keys(completion_keys, names)
                + _distinct_keys(completion_keys, group_names)
            )
        ),
    )


@lru_cache(maxsize=_REPEATED_TEXTS)
def _repeated_terms(text):
    return text_terms(text)


class _Chunk(NamedTuple):
    """What one whitespace-separated piece of normalized text contributes (see `text_terms`)."""

    terms: tuple  # its words (Latin stemmed), each Thai compound followed by its syllables
    units: tuple  # the units its pairs are made of
    words: tuple  # its whole words, unstemmed
    joined: tuple  # hyphenated Latin compounds, joined


# Descriptions repeat their phrases across a catalog: pieces of text are analysed once.
_CHUNKS = 200_000


@lru_cache(maxsize=_CHUNKS)
def _chunk(piece):
    words, joined = _segment(piece, True)
    terms, units = [], []
    for word in words:
        term = unit_term(word.text)
        terms.append(term)
        if len(word.syllables) > 1:
            terms.extend(word.syllables)
            units.extend(word.syllables)
        else:
            units.append(term)
    return _Chunk(tuple(terms), tuple(units), tuple(w.text for w in words), tuple(joined))


def text_terms(text):
    """(`index_terms`, `word_terms`) of a text, from one segmentation.

    No word, compound or Thai run spans whitespace, so the normalized text is
    analysed piece by piece (each piece once, see `_chunk`) and the pieces'
    terms joined in order: the words and syllables, then the compounds, then
    the pairs of adjacent units across the whole text, as ThaiTokenizer
    yields them.
    """
    chunks = [_chunk(piece) for piece in normalize(text).split()]
    terms = [term for chunk in chunks for term in chunk.terms]
    joined = [compound for chunk in chunks for compound in chunk.joined]
    terms.extend(map(unit_term, joined))
    terms.extend(pair_terms([unit for chunk in chunks for unit in chunk.units]))
    words = [word for chunk in chunks for word in chunk.words]
    words.extend(joined)
    return tuple(terms), tuple(words)


def text_analyzer():
    """Words, syllables, stems: the terms a typed word is looked up as."""
    return ThaiTokenizer() | LatinStemFilter()


def indexed_text_analyzer():
    """The analyzer of the searchable text fields: `text_analyzer` plus pair terms."""
    return ThaiTokenizer(pairs=True) | LatinStemFilter()


def words_analyzer():
    """Whole words, unstemmed and without syllables: the vocabulary for "did you mean"."""
    return ThaiTokenizer(syllables=False)


def name_key_analyzer():
    """Whole names as single keys."""
    return NameKeyTokenizer()


def name_head_analyzer():
    """The starts of names as keys."""
    return NameHeadTokenizer()


def completion_analyzer():
    """Name suffixes for prefix matching as the buyer types."""
    return CompletionTokenizer()


_INDEXED_ANALYZER = indexed_text_analyzer()
_WORDS_ANALYZER = words_analyzer()
