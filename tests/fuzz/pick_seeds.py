#!/usr/bin/env python3
"""pick_seeds.py - chooses inputs worth adding to a committed seed corpus.

    build/fuzz/fuzzers/fuzz_T -merge=1 -merge_control_file=CF \\
        COPY_OF_tests/fuzz/corpus/T tests/fuzz/findings/T
    python3 tests/fuzz/pick_seeds.py CF N

Reads libFuzzer's merge control file CF (the first corpus named in the
merge counts as chosen already) and prints up to N more inputs, each the
one that adds the most edges not yet covered (the smaller on a tie), then
on stderr how many edges the seeds reach before and after."""
import os
import sys


def main():
    cf, n = sys.argv[1], int(sys.argv[2])
    lines = open(cf).read().split("\n")
    nfiles, nfirst = int(lines[0]), int(lines[1])
    paths = lines[2:2 + nfiles]
    cov = {}
    for line in lines[2 + nfiles:]:
        if line.startswith("COV "):
            f = line.split()
            cov[int(f[1])] = set(f[2:])
    edges = set().union(*cov.values()) if cov else set()
    covered = set().union(*(cov.get(i, set()) for i in range(nfirst)))
    before = len(covered)
    size = {i: os.path.getsize(paths[i]) for i in cov}
    chosen = []
    while len(chosen) < n:
        rest = [i for i in cov if i >= nfirst]
        if not rest:
            break
        best = max(rest, key=lambda i: (len(cov[i] - covered), -size[i]))
        if not cov[best] - covered:
            break
        chosen.append(best)
        covered |= cov[best]
    for i in chosen:
        print(paths[i])
    print("edges: seeds %d, with %d more %d, of %d" %
          (before, len(chosen), len(covered), len(edges)), file=sys.stderr)


if __name__ == "__main__":
    main()
