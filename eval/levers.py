#!/usr/bin/env python3
"""levers.py - what the search-time options change (docs/QUALITY.md, Levers).

Builds the indexes of quality.py once, then prints Markdown tables:
  1. nDCG@10 over a k1 x b grid for scifact and xquad-en/-de/-nl, the mean
     of the four, and SciFact's R@100 over the same grid;
  2. for each collection, its best setting against the default 0.9/0.4;
  3. the mixed index with the query language detected (default) against
     --lang forced to the language of the queries, and how often the same
     paragraph in another language outranks the relevant one.

    python3 eval/levers.py [--data DIR] [--bin DIR] [--k1 LIST] [--b LIST]
"""
import argparse
import concurrent.futures
import copy
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality  # noqa: E402

GRID_ROWS = ["scifact", "xquad-en", "xquad-de", "xquad-nl"]
DEFAULT = (0.9, 0.4)


def other_language(run_path, qrels_path, lang):
    """For a mixed-index run of lang's queries: (questions whose relevant
    paragraph is not first, of which the same paragraph in another language
    is first, mean number of other-language paragraphs in the top 10)."""
    rel = {}
    with open(qrels_path, encoding="utf-8") as f:
        for line in f:
            q, _, d, g = line.split()
            if int(g) > 0:
                rel[q] = d
    per = {}
    with open(run_path, encoding="utf-8") as f:
        for line in f:
            q, _, d, _, s, _ = line.split()
            per.setdefault(q, []).append((float(s), d))
    notfirst = same = other = 0
    for q, d in rel.items():
        ranked = sorted(per.get(q, []), key=lambda x: x[1], reverse=True)
        ranked.sort(key=lambda x: x[0], reverse=True)
        top = [x for _, x in ranked[:10]]
        if top and top[0] != d:
            notfirst += 1
            same += top[0].split(":", 1)[1] == d.split(":", 1)[1]
        other += sum(not x.startswith(lang + ":") for x in top)
    return notfirst, same, other / len(rel)


def run_jobs(zs, trec_eval, jobs, rundir):
    """jobs: list of (key, Row with its flags set); returns key -> Row.
    Rows of the mixed index also get .other (see other_language)."""
    def one(i):
        key, r = jobs[i]
        path = os.path.join(rundir, f"{i}.run")
        quality.search_and_score(zs, trec_eval, r, path, [])
        if r.name.startswith("mixed:"):
            r.other = other_language(path, r.qrels, r.name.split(":")[1])
        os.unlink(path)
        return key, r

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
        return dict(ex.map(one, range(len(jobs))))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/eval")
    ap.add_argument("--bin", default="build")
    ap.add_argument("--work", default="build/eval-levers")
    ap.add_argument("--k1", default="0.5,0.7,0.9,1.2,1.5,2.0")
    ap.add_argument("--b", default="0.2,0.3,0.4,0.5,0.6,0.75,0.9")
    a = ap.parse_args()
    os.chdir(quality.ROOT)
    k1s = [float(x) for x in a.k1.split(",")]
    bs = [float(x) for x in a.b.split(",")]
    trec_eval = os.path.join(a.data, "..", "tools", "trec_eval.py")
    zi, zs = (os.path.join(a.bin, p) for p in ("zoek-index", "zoek-search"))
    shutil.rmtree(a.work, ignore_errors=True)
    rundir = os.path.join(a.work, "runs")
    os.makedirs(rundir)
    skipped = []
    rows = {r.name: r for r in quality.build_rows(a.data, a.work, zi, [],
                                                  skipped)}
    if skipped:
        sys.exit("levers: missing " + ", ".join(skipped))

    jobs = []
    for k1 in k1s:
        for b in bs:
            for name in GRID_ROWS:
                r = copy.copy(rows[name])
                r.flags = ["--k1", str(k1), "--b", str(b)]
                jobs.append(((name, k1, b), r))
    for l in quality.XQ:
        for forced in (False, True):
            r = copy.copy(rows["mixed:" + l])
            r.flags = ["--lang", l] if forced else []
            jobs.append((("mixed:" + l, forced), r))
        jobs.append((("xquad-" + l, "single"), copy.copy(rows["xquad-" + l])))
    res = run_jobs(zs, trec_eval, jobs, rundir)

    def fig(name, k1, b, m="nDCG@10"):
        return res[(name, k1, b)].fig[m]

    def grid(title, value):
        print(f"\n{title}\n")
        print("| k1 \\ b | " + " | ".join(f"{b:g}" for b in bs) + " |")
        print("|---:|" + "---:|" * len(bs))
        for k1 in k1s:
            cells = []
            for b in bs:
                v = value(k1, b)
                s = f"{v:.4f}"
                cells.append(f"**{s}**" if (k1, b) == DEFAULT else s)
            print(f"| {k1:g} | " + " | ".join(cells) + " |")

    for name in GRID_ROWS:
        grid(f"nDCG@10, {name}", lambda k1, b, n=name: fig(n, k1, b))
    grid("nDCG@10, mean of the four",
         lambda k1, b: sum(fig(n, k1, b) for n in GRID_ROWS) / len(GRID_ROWS))
    grid("R@100, scifact", lambda k1, b: fig("scifact", k1, b, "R@100"))

    print("\n| collection | default 0.9/0.4 | best (k1/b) | best - default |")
    print("|---|---:|---|---:|")
    names = GRID_ROWS + ["mean"]
    for name in names:
        def val(k1, b, n=name):
            if n == "mean":
                return sum(fig(x, k1, b) for x in GRID_ROWS) / len(GRID_ROWS)
            return fig(n, k1, b)
        best = max(((k1, b) for k1 in k1s for b in bs),
                   key=lambda kb: val(*kb))
        d = val(*DEFAULT)
        print(f"| {name} | {d:.4f} | {val(*best):.4f} ({best[0]:g}/"
              f"{best[1]:g}) | {val(*best) - d:+.4f} |")

    print("\n| queries | single index | mixed, detected | mixed, --lang "
          "forced | forced - detected |")
    print("|---|---:|---:|---:|---:|")
    for l in quality.XQ:
        s = res[("xquad-" + l, "single")].fig
        d = res[("mixed:" + l, False)].fig
        f = res[("mixed:" + l, True)].fig
        print(f"| {l} (nDCG@10 / MRR@10) | {s['nDCG@10']:.4f} / "
              f"{s['MRR@10']:.4f} | {d['nDCG@10']:.4f} / {d['MRR@10']:.4f} | "
              f"{f['nDCG@10']:.4f} / {f['MRR@10']:.4f} | "
              f"{f['nDCG@10'] - d['nDCG@10']:+.4f} |")


    print("\n| queries | relevant paragraph not first: detected / forced "
          "| of which the same paragraph in another language is first "
          "| other-language paragraphs in the top 10, on average |")
    print("|---|---:|---:|---:|")
    for l in quality.XQ:
        d = res[("mixed:" + l, False)].other
        f = res[("mixed:" + l, True)].other
        print(f"| {l} | {d[0]} / {f[0]} | {d[1]} / {f[1]} | "
              f"{d[2]:.2f} / {f[2]:.2f} |")


if __name__ == "__main__":
    main()
