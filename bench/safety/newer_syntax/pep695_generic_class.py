"""PEP 695 (Python 3.12): type parameters on classes."""

from dataclasses import dataclass, field


class Stack[T]:
    def __init__(self) -> None:
        self._items: list[T] = []

    def push(self, item: T) -> None:
        self._items.append(item)

    def pop(self) -> T:
        return self._items.pop()

    def map[U](self, func: "Callable[[T], U]") -> "Stack[U]":
        result = Stack[U]()
        for item in self._items:
            result.push(func(item))
        return result


@dataclass
class Box[T: (int, str)]:
    value: T
    history: list[T] = field(default_factory=list)


class Registry[K, V](dict[K, V]):
    def register[F](self, key: K, value: V, tag: F | None = None) -> V:
        self[key] = value
        return value


from collections.abc import Callable  # noqa: E402  (used in the string annotations above)

stack = Stack[int]()
stack.push(1)
print(stack.pop(), Box(3), Registry[str, int]().register("a", 1))
