#!/usr/bin/env python3
"""articles.py - an article's score from its passages (docs/QUALITY.md,
"Article score from passages").

zoek ranks an article by its best passage (MaxP).  This script searches
the passages of the indexes that `make eval` leaves in build/eval/idx
(top 1000 passages, no --docs), scores each article as

    best passage + w * (sum of its other passages in the top 1000)

for each w given, and prints nDCG@10 per collection.  w = 0 is MaxP and
gives the figures of `make eval`; w = 1 is the sum of the passages.

    make eval && python3 eval/articles.py [--w 0,0.1,0.2,0.5,1]
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality  # noqa: E402

ROWS = ["scifact", "xquad-en", "xquad-de", "xquad-nl"]


def passages(zs, idx, queries):
    """query id -> [(article, score)] of the top 1000 passages."""
    out = subprocess.run([zs, "-d", idx, "--plain", "--queries", queries,
                          "--format", "trec", "-n", "1000"],
                         capture_output=True, text=True, check=True).stdout
    per = collections.defaultdict(list)
    for line in out.splitlines():
        q, _, pid, _, score, _ = line.split()
        per[q].append((pid.rsplit("#", 1)[0], float(score)))
    return per


def ndcg10(trec_eval, qrels, per, w):
    with tempfile.NamedTemporaryFile("w", suffix=".run", delete=False) as f:
        for q, hits in per.items():
            by = collections.defaultdict(list)
            for art, s in hits:
                by[art].append(s)
            sc = {a: max(ss) + w * (sum(ss) - max(ss)) for a, ss in by.items()}
            ranked = sorted(sc.items(), key=lambda x: (-x[1], x[0]))
            for i, (a, s) in enumerate(ranked[:1000]):
                f.write(f"{q} Q0 {a} {i + 1} {s:.6f} zoek\n")
        path = f.name
    try:
        return quality.trec_scores(trec_eval, qrels, path)["ndcg@10"]
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/eval")
    ap.add_argument("--bin", default="build")
    ap.add_argument("--w", default="0,0.1,0.2,0.3,0.5,1",
                    help="weights of the other passages, comma-separated")
    a = ap.parse_args()
    ws = [float(x) for x in a.w.split(",")]
    zs = os.path.join(a.bin, "zoek-search")
    trec_eval = os.path.join(os.path.dirname(a.data.rstrip("/")), "tools",
                             "trec_eval.py")
    rows = []
    for name in ROWS:
        idx = os.path.join(a.bin, "eval", "idx", name)
        q = os.path.join(a.data, name, "queries.tsv")
        qrels = os.path.join(a.data, name, "qrels.txt")
        if not (os.path.isdir(idx) and os.path.isfile(q)):
            print(f"articles.py: {name}: no index or queries (run make eval "
                  "first); skipped", file=sys.stderr)
            continue
        per = passages(zs, idx, q)
        rows.append((name, [ndcg10(trec_eval, qrels, per, w) for w in ws]))
    if not rows:
        return 0
    print("| w | " + " | ".join(n for n, _ in rows) + " |")
    print("|---:|" + "---:|" * len(rows))
    for i, w in enumerate(ws):
        print(f"| {w:g} | " + " | ".join(f"{v[i]:.4f}" for _, v in rows) +
              " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
