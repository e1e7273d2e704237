"""Build the token n-gram model that ``plausibility.TokenModel`` ships with.

    python -m debugllm.repair.build_token_model [--out PATH] [--corpus DIR ...]

The default corpus is the running interpreter's standard library, tests and site-packages left
out, and only files that ``ast.parse`` accepts (the model should learn valid code). The output
is deterministic: files are read in sorted order and the JSON is written with sorted keys and a
fixed gzip timestamp, so rebuilding from the same corpus gives the same bytes.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import platform
import sys
import sysconfig
import tokenize
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from debugllm.repair.plausibility import (
    BOS,
    DATA_FILE,
    FORMAT_VERSION,
    KEYWORDS,
    NAME,
    ORDER,
    SPECIAL_TOKENS,
    _lex,
)

SKIP_DIRS = frozenset({"test", "tests", "idle_test", "site-packages", "__pycache__"})
DEFAULT_OUT = Path(__file__).parent / DATA_FILE
DEFAULT_VERBATIM = 50
# ``--min-count 2`` drops n-grams seen once at orders 3 and 4 (most of those tables), their mass
# going to the lower order (the ``pruned`` history count). Off by default: on the standard
# library the unpruned file is about 140 KB, well under the size budget.
DEFAULT_MIN_COUNT = 1
PRUNED_ORDERS = (3, 4)


def corpus_files(roots: Sequence[Path]) -> Iterator[Path]:
    """The ``.py`` files under ``roots``, sorted, without test and site-packages directories."""
    for root in roots:
        found = []
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).parts[:-1]
            if not SKIP_DIRS.intersection(parts) and path.is_file():
                found.append(path)
        yield from sorted(found, key=lambda p: p.relative_to(root).as_posix())


def read_source(path: Path) -> str | None:
    """The file's text when it decodes and parses, else None (broken files would teach noise)."""
    try:
        with tokenize.open(path) as stream:
            text = stream.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            ast.parse(text, filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return text


def _delta(keys: Iterable[int]) -> list[int]:
    out: list[int] = []
    previous = 0
    for key in keys:
        out.append(key - previous)
        previous = key
    return out


def _discount(counts: Iterable[int]) -> tuple[float, int, int]:
    # Ney's estimate D = n1 / (n1 + 2 n2), from the number of n-grams seen once and twice.
    spectrum = Counter(counts)
    n1, n2 = spectrum[1], spectrum[2]
    discount = n1 / (n1 + 2 * n2) if n1 and n2 else 0.5
    return round(min(max(discount, 0.05), 0.95), 6), n1, n2


def build(
    roots: Sequence[Path],
    *,
    n_verbatim: int = DEFAULT_VERBATIM,
    min_count: int = DEFAULT_MIN_COUNT,
) -> dict[str, Any]:
    """The model's JSON document for the corpus under ``roots``."""
    streams: list[tuple[list[str], list[str]]] = []
    name_counts: Counter[str] = Counter()
    for path in corpus_files(roots):
        text = read_source(path)
        if text is None:
            continue
        names: list[str] = []
        tokens = _lex(text, (), names)
        name_counts.update(names)
        streams.append((tokens, names))

    # The most frequent identifiers stay verbatim (ties by name, for determinism).
    ranked = sorted(name_counts.items(), key=lambda item: (-item[1], item[0]))
    verbatim = [name for name, _ in ranked if name not in SPECIAL_TOKENS and name not in KEYWORDS][
        :n_verbatim
    ]
    keep = frozenset(verbatim)

    documents: list[list[str]] = []
    for tokens, names in streams:
        identifiers = iter(names)
        document = []
        for token in tokens:
            if token == NAME:
                name = next(identifiers)
                token = name if name in keep else NAME
            document.append(token)
        documents.append(document)
    n_tokens = sum(len(document) for document in documents)
    if not n_tokens:
        raise ValueError(f"no parseable Python with tokens under {', '.join(map(str, roots))}")

    vocab = sorted({token for document in documents for token in document} | {BOS})
    ids = {token: i for i, token in enumerate(vocab, start=1)}
    base = len(vocab) + 1

    # Raw counts at the top order; every token is predicted by a full 4-gram thanks to the
    # start padding, so the lower orders' continuation counts see every position.
    top: Counter[int] = Counter()
    for document in documents:
        seq = [ids[BOS]] * (ORDER - 1) + [ids[token] for token in document]
        top.update(
            ((a * base + b) * base + c) * base + d
            for a, b, c, d in zip(seq, seq[1:], seq[2:], seq[3:], strict=False)
        )
    # Kneser-Ney: an order-k n-gram counts the distinct words seen before it at order k + 1.
    counts: dict[int, Counter[int]] = {ORDER: top}
    for order in range(ORDER - 1, 0, -1):
        modulus = base**order
        counts[order] = Counter(key % modulus for key in counts[order + 1])

    orders = []
    for order in range(1, ORDER + 1):
        table = counts[order]
        discount, n1, n2 = _discount(table.values())
        threshold = min_count if order in PRUNED_ORDERS else 1
        kept: dict[int, int] = {}
        history: dict[int, list[int]] = {}  # key -> [total, kept successors, pruned count]
        for key, count in table.items():
            stats = history.setdefault(key // base, [0, 0, 0])
            stats[0] += count
            if count >= threshold:
                kept[key] = count
                stats[1] += 1
            else:
                stats[2] += count
        # A history with no kept successor interpolates with weight 1: the same as leaving it
        # out, which the scorer does for unseen histories, so drop it.
        hkeys = sorted(key for key, stats in history.items() if stats[1])
        nkeys = sorted(kept)
        orders.append(
            {
                "order": order,
                "discount": discount,
                "n1": n1,
                "n2": n2,
                "ngrams_before_pruning": len(table),
                "ngram_keys": _delta(nkeys),
                "ngram_counts": [kept[key] for key in nkeys],
                "history_keys": _delta(hkeys),
                "history_total": [history[key][0] for key in hkeys],
                "history_kept": [history[key][1] for key in hkeys],
                "history_pruned": [history[key][2] for key in hkeys],
            }
        )

    return {
        "format": FORMAT_VERSION,
        "python": platform.python_version(),
        "order": ORDER,
        "smoothing": "interpolated Kneser-Ney, one absolute discount per order",
        "min_count": min_count,
        "pruned_orders": list(PRUNED_ORDERS),
        "files": len(documents),
        "tokens": n_tokens,
        "verbatim": verbatim,
        "vocab": vocab,
        "orders": orders,
    }


def encode(document: dict[str, Any]) -> bytes:
    """Gzip-compressed JSON, byte-identical for equal documents (sorted keys, mtime 0)."""
    payload = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(payload, compresslevel=9, mtime=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .json.gz to write")
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        action="extend",
        help="directories of .py files (default: this interpreter's standard library)",
    )
    parser.add_argument("--verbatim", type=int, default=DEFAULT_VERBATIM)
    parser.add_argument("--min-count", type=int, default=DEFAULT_MIN_COUNT)
    args = parser.parse_args(argv)
    roots: list[Path] = args.corpus or [Path(sysconfig.get_paths()["stdlib"])]
    try:
        document = build(roots, n_verbatim=args.verbatim, min_count=args.min_count)
    except ValueError as error:
        parser.error(str(error))
    data = encode(document)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    kept = sum(len(table["ngram_counts"]) for table in document["orders"])
    print(
        f"{args.out}: {len(data)} bytes, {document['files']} files, {document['tokens']} tokens, "
        f"{len(document['vocab'])} token types, {kept} n-grams",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
