"""The PostgreSQL backend's tsvector literals: the fast writer says what the plain one says."""

import random

from marketplace.catalog.search import postgresql


def _reference(parts):
    """The tsvector literal written the plain way (the writer before its labels were kept)."""

    def quote(term):
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    positions = {}
    position = 1
    for terms, weight in parts:
        for term in terms:
            at = positions.setdefault(term, [])
            if len(at) < postgresql.MAX_LEXEME_POSITIONS:
                at.append(f"{min(position, postgresql.MAX_POSITION)}{weight}")
            position += 1
    return " ".join(f"{quote(term)}:{','.join(at)}" for term, at in positions.items())


def test_weighted_vector_matches_the_plain_writer():
    """Repeats past the positions kept, positions past the last, quotes and backslashes."""
    rng = random.Random(3)
    vocabulary = ["ข้าว", "เหนียว", "rice", "o'clock", "back\\slash", "ดำ", "a", "''"]
    for _ in range(200):
        parts = [
            ([rng.choice(vocabulary) for _ in range(rng.choice([0, 3, 40, 400]))], weight)
            for weight in "ABC"
        ]
        assert postgresql.weighted_vector(parts) == _reference(parts)
    many = [(["x"] * 300 + ["y"], "A"), (["z"] * 16500 + ["last"], "C")]
    assert postgresql.weighted_vector(many) == _reference(many)
    assert "'last':16383C" in postgresql.weighted_vector(many)
