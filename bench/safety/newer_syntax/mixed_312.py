"""Ordinary code that uses the newer syntax here and there (Python 3.12)."""

import json
from typing import Protocol


class SupportsLess(Protocol):
    def __lt__(self, other: object, /) -> bool: ...


type JSON = dict[str, JSON] | list[JSON] | str | int | float | bool | None


def clamp[T: SupportsLess](value: T, low: T, high: T) -> T:
    if value < low:
        return low
    if high < value:
        return high
    return value


def render(document: JSON) -> str:
    if isinstance(document, dict):
        return f"{{{", ".join(f"{json.dumps(k)}: {render(v)}" for k, v in document.items())}}}"
    return json.dumps(document)


class Cache[K, V]:
    def __init__(self) -> None:
        self.data: dict[K, V] = {}

    def get(self, key: K, default: V) -> V:
        return self.data.get(key, default)


print(clamp(5, 1, 3), render({"a": [1, "x", None]}), Cache[str, int]().get("k", 0))
