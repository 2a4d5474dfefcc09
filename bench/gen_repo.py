#!/usr/bin/env python3
"""Deterministic `git fast-import` streams for the benchmarks (stdout).

  gen_repo.py base  [--seed N] [--commits N]      the history: N commits on refs/heads/main
  gen_repo.py push  --seed N --from SHA --branch REF [--commits 100]
                                                  N commits on top of SHA, in push/ only

Same seed, same bytes, same commit ids (fixed author, committer and dates). The base history
is text files edited in place (delta-friendly, like source code) plus one incompressible
binary asset per commit, so that the pack is large (≥ 50 MB for the default 4,000 commits).
"""

from __future__ import annotations

import argparse
import random
import sys

WORDS = (
    "fn let mut pub struct impl self return match if else for while loop break continue "
    "use mod crate super async await move ref where type trait enum const static unsafe "
    "Vec String Option Some None Result Ok Err Box Arc Mutex HashMap BTreeMap u8 u32 u64 "
    "usize i64 bool true false str bytes read write open close stream buffer request "
    "response header body status error repository commit tree blob reference branch tag "
    "push fetch clone pack object delta index config policy principal account region"
).split()

EPOCH = 1_700_000_000
AUTHOR = "Bench Author <bench@example.com>"


def line(rnd: random.Random) -> bytes:
    n = rnd.randint(3, 12)
    indent = "    " * rnd.randint(0, 3)
    return (indent + " ".join(rnd.choices(WORDS, k=n)) + ";\n").encode()


def text_file(rnd: random.Random, lines: int) -> list[bytes]:
    return [line(rnd) for _ in range(lines)]


class Stream:
    def __init__(self) -> None:
        self.out = sys.stdout.buffer

    def w(self, b: bytes | str) -> None:
        self.out.write(b if isinstance(b, bytes) else b.encode())

    def data(self, payload: bytes) -> None:
        self.w(f"data {len(payload)}\n")
        self.w(payload)
        self.w("\n")

    def commit(self, ref: str, when: int, message: str, files: list[tuple[str, bytes]],
               parent: str | None = None) -> None:
        self.w(f"commit {ref}\n")
        self.w(f"author {AUTHOR} {when} +0000\n")
        self.w(f"committer {AUTHOR} {when} +0000\n")
        self.data(message.encode())
        if parent:
            self.w(f"from {parent}\n")
        for path, content in files:
            self.w(f"M 100644 inline {path}\n")
            self.data(content)
        self.w("\n")


def base(seed: int, commits: int, asset_bytes: int) -> None:
    rnd = random.Random(seed)
    s = Stream()
    files: dict[str, list[bytes]] = {}
    for d in range(20):
        for f in range(20):
            files[f"src/m{d:02d}/f{f:02d}.rs"] = text_file(rnd, rnd.randint(40, 90))
    paths = sorted(files)
    s.commit("refs/heads/main", EPOCH, "initial import\n",
             [(p, b"".join(files[p])) for p in paths])
    for i in range(1, commits):
        changed = []
        for p in rnd.sample(paths, 2):
            lines = files[p]
            at = rnd.randrange(len(lines))
            cut = rnd.randint(0, min(6, len(lines) - at))
            lines[at:at + cut] = text_file(rnd, rnd.randint(1, 10))
            changed.append((p, b"".join(lines)))
        changed.append((f"assets/a{i % 64:02d}/asset-{i:05d}.bin", rnd.randbytes(asset_bytes)))
        s.commit("refs/heads/main", EPOCH + 600 * i, f"change {i}: edit {changed[0][0]}\n", changed)
    s.w("done\n")


def push(seed: int, parent: str, branch: str, commits: int) -> None:
    rnd = random.Random(10_000 + seed)
    s = Stream()
    log: list[bytes] = []
    for i in range(commits):
        log.extend(text_file(rnd, 3))
        files = [
            (f"push/s{seed}/note-{i:03d}.txt", b"".join(text_file(rnd, 40))),
            (f"push/s{seed}/log.txt", b"".join(log)),
            (f"push/s{seed}/blob-{i:03d}.bin", rnd.randbytes(4096)),
        ]
        s.commit(branch, EPOCH + 10_000_000 + 60 * i, f"push {seed} commit {i}\n", files,
                 parent=parent if i == 0 else None)
    s.w("done\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["base", "push"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commits", type=int)
    ap.add_argument("--asset-bytes", type=int, default=13_000)
    ap.add_argument("--from", dest="parent")
    ap.add_argument("--branch")
    a = ap.parse_args()
    if a.kind == "base":
        base(a.seed, a.commits or 4000, a.asset_bytes)
    else:
        push(a.seed, a.parent, a.branch, a.commits or 100)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
