"""PEP 695 (Python 3.12): type alias statements."""

from collections.abc import Callable

type Point = tuple[float, float]
type Pair[T] = tuple[T, T]
type Tree[T] = T | list[Tree[T]]
type Handler[**P, R] = Callable[P, R]
type Shape[*Ts] = tuple[int, *Ts]


def origin() -> Point:
    return (0.0, 0.0)


def swap[T](pair: Pair[T]) -> Pair[T]:
    first, second = pair
    return second, first


def leaves[T](tree: Tree[T]) -> list[T]:
    if isinstance(tree, list):
        return [leaf for branch in tree for leaf in leaves(branch)]
    return [tree]
