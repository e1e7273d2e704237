"""PEP 696 (Python 3.13): defaults for type parameters."""


def make[T = int](value: T | None = None) -> list[T]:
    return [] if value is None else [value]


class Pipe[In = str, Out = In]:
    def __init__(self, transform: "object | None" = None) -> None:
        self.transform = transform


type Mapping2[K = str, V = K] = dict[K, V]


def describe[*Ts = *tuple[int, ...], **P = [str, int]](*args: *Ts) -> int:
    return len(args)


print(make(), Pipe(), describe(1, 2, 3))
