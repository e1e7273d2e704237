"""PEP 695 (Python 3.12): type parameters on functions."""

from collections.abc import Callable, Iterable, Sequence


def identity[T](x: T) -> T:
    return x


def first[T](items: Sequence[T], default: T) -> T:
    return items[0] if items else default


def largest[N: (int, float)](values: Iterable[N]) -> N:
    return max(values)


def longest[S: Sequence[object]](a: S, b: S) -> S:
    return a if len(a) >= len(b) else b


def call_twice[**P, R](func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> list[R]:
    return [func(*args, **kwargs), func(*args, **kwargs)]


def pack[*Ts](*values: *Ts) -> tuple[*Ts]:
    return values


async def gather_one[T](value: T) -> T:
    return value


print(identity(1), first([], "none"), largest([3, 1.5]), longest("ab", "abc"))
