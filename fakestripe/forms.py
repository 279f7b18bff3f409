"""Stripe's form encoding (`a[b][0][c]=v`) decoded into nested dicts and lists."""

import re

_PART = re.compile(r"\[([^\[\]]*)\]")


class FormError(ValueError):
    """A parameter name that cannot be decoded, or that conflicts with another."""


def split_key(key):
    """`line_items[0][quantity]` → ["line_items", "0", "quantity"]."""
    head, _, rest = key.partition("[")
    if not head:
        raise FormError(f"Invalid parameter name: {key}")
    parts = [head]
    if rest:
        rest = "[" + rest
        end = 0
        for match in _PART.finditer(rest):
            if match.start() != end:
                raise FormError(f"Invalid parameter name: {key}")
            parts.append(match.group(1))
            end = match.end()
        if end != len(rest):
            raise FormError(f"Invalid parameter name: {key}")
    return parts


def decode(pairs):
    """Nested params from (key, value) pairs, as Stripe's API reads a form body."""
    root = {}
    for key, value in pairs:
        parts = split_key(key)
        node = root
        for depth, part in enumerate(parts):
            if part == "":  # `expand[]`: the next index
                part = str(len(node))
            last = depth == len(parts) - 1
            if last:
                if isinstance(node.get(part), dict):
                    raise FormError(f"Invalid parameter: {key} is also an object")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise FormError(f"Invalid parameter: {key} is also a value")
                node = child
    return _listify(root)


def _listify(node):
    """Objects whose keys are all indexes become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        indexes = sorted(converted, key=int)
        if [int(i) for i in indexes] != list(range(len(indexes))):
            raise FormError("Invalid array: indexes must count up from 0")
        return [converted[i] for i in indexes]
    return converted
