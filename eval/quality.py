#!/usr/bin/env python3
"""quality.py - ranking quality of zoek on the judged collections (make eval).

Indexes each collection of the evaluation folder (default ../shared/eval,
relative to the repository root), runs its queries through

    zoek-search -d IDX --plain --queries QUERIES --format trec --docs -n 1000

(--plain: the claims and questions are text, not query syntax), scores
every run with trec_eval.py (default ../shared/tools/trec_eval.py) and
prints one table: nDCG@10, MAP, R@100 and MRR@10 per row, the published
or reference figures, the targets and whether each is met.

Rows:
  scifact, xquad-en/-de/-nl   each collection on its own index
  mixed:en/de/nl              one index of the three XQuAD languages
                              together (ids prefixed "en:", "de:", "nl:"),
                              each language's queries; an answer in another
                              language counts as not relevant
  cross:X->Y                  queries in language X on the index of language
                              Y (XQuAD ids and judgments are the same in
                              every language); --cross-flags are added here
  mixed+cross:en/de/nl        the mixed rows with --cross-flags: what
                              cross-language search costs same-language
                              queries

With --dictionaries DIR (FreeDict dictd files), the XQuAD and mixed indexes
get them compiled in (zoek-index --dictionaries); without dictionaries there
the rows with --cross-flags are skipped.

The baseline is the Markdown table between the BEGIN and END markers
(below) in docs/QUALITY.md: the columns row, nDCG@10, MAP, R@100 and
MRR@10 are read, the others are for people.  The exit status is 1 when any
figure of any row falls below its baseline by more than --tolerance
(default 0.002), 2 on an error, else 0; unmet targets are reported, never
fatal.  --write-baseline rewrites that table from the current run.  A
missing evaluation folder is skipped with a message and exit status 0.

Work files (indexes, runs, rewritten qrels) go to build/eval/ and stay there
after the run for inspection; the folder is emptied at the start.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

BEGIN = ("<!-- baseline: begin (written by make eval-baseline, read by "
         "make eval) -->")
END = "<!-- baseline: end -->"
METRICS = [("nDCG@10", "ndcg@10"), ("MAP", "map@1000"),
           ("R@100", "recall@100"), ("MRR@10", "mrr@10")]
XQ = ("en", "de", "nl")
CROSS = [("en", "de"), ("de", "en"), ("en", "nl"), ("nl", "en"),
         ("de", "nl"), ("nl", "de")]

# Figures quoted beside the results (from the collections' README and
# SOURCE.md): (nDCG@10, R@100), None where there is none.
PUBLISHED = {"scifact": (0.6789, 0.9253)}
PLAIN = {"scifact": (0.6815, 0.9197), "xquad-en": (0.9655, 0.9975),
         "xquad-de": (0.9405, 0.9941), "xquad-nl": (0.9293, 0.9958),
         "cross:en->de": (0.443, None), "cross:de->en": (0.470, None),
         "cross:en->nl": (0.504, None)}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Row:
    """One line of the table: an index, a query set, qrels, flags."""

    def __init__(self, name, index, queries, qfile, qrels, flags=()):
        self.name = name        # stable key, also the baseline key
        self.index = index      # label of the index searched
        self.queries = queries  # label of the query set
        self.qfile = qfile      # queries.tsv
        self.qrels = qrels      # qrels file
        self.flags = list(flags)  # extra zoek-search flags
        self.idx = None         # index directory
        self.fig = None         # metric name -> value


def die(msg):
    print("eval: " + msg, file=sys.stderr)
    sys.exit(2)


def fmt(v, nd=4):
    return "-" if v is None else f"{v:.{nd}f}"


def ref_text(fig):
    if not fig:
        return "-"
    ndcg, r100 = fig
    nd = 4 if round(ndcg, 3) != ndcg else 3
    return fmt(ndcg, nd) + ("" if r100 is None else " / " + fmt(r100))


# ------------------------------------------------------------ running

def index(zi, src, out, dicts=None):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [zi, "-q", "-d", out] + (["--dictionaries", dicts] if dicts else [])
    p = subprocess.run(cmd + [src], capture_output=True, text=True)
    if p.returncode != 0:
        die(f"{shlex.join(cmd + [src])} failed ({p.returncode}): "
            f"{p.stderr.strip()}")


def have_dicts(d):
    """Whether folder d holds at least one FreeDict dictionary."""
    return bool(d) and os.path.isdir(d) and any(
        n.startswith("freedict-") and n.endswith(".index")
        for n in os.listdir(d))


def prefixed(src_docs, src_qrels, lang, docs_out, qrels_out):
    """Appends src_docs with ids prefixed 'lang:' to docs_out and writes
    src_qrels with the same prefix to qrels_out."""
    with open(src_docs, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            d["id"] = f"{lang}:{d['id']}"
            docs_out.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(src_qrels, encoding="utf-8") as f, \
            open(qrels_out, "w", encoding="utf-8") as o:
        for line in f:
            p = line.split()
            if len(p) == 4:
                p[2] = f"{lang}:{p[2]}"
                o.write(" ".join(p) + "\n")


def search_and_score(zs, trec_eval, row, run_path, flags):
    cmd = [zs, "-d", row.idx, "--plain"] + flags + row.flags + [
        "--queries", row.qfile, "--format", "trec", "--docs", "-n", "1000"]
    with open(run_path, "w", encoding="utf-8") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE,
                           text=True)
    if p.returncode not in (0, 1):  # 1: some query found nothing
        raise RuntimeError(f"{shlex.join(cmd)}: exit {p.returncode}: "
                           f"{p.stderr.strip()}")
    m = trec_scores(trec_eval, row.qrels, run_path)
    row.fig = {name: round(m[key], 4) for name, key in METRICS}


def trec_scores(trec_eval, qrels, run_path):
    """trec_eval's measures of a run, by their names (ndcg@10, ...)."""
    p = subprocess.run([sys.executable, trec_eval, "--json", qrels,
                        run_path], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"trec_eval {qrels} {run_path}: "
                           f"{p.stderr.strip()}")
    return json.loads(p.stdout)


def run_all(zs, trec_eval, rows, flags, rundir):
    """Searches and scores every row, one process per core; the runs are
    left in rundir as ROW.run."""
    def job(r):
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", r.name) + ".run"
        search_and_score(zs, trec_eval, r, os.path.join(rundir, name), flags)

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
        list(ex.map(job, rows))


def build_rows(data, work, zi, cross_flags, skipped, dicts=None):
    """Indexes what is present under data; returns the rows to run and
    appends the collections that are absent to skipped.  With dicts, the
    XQuAD and mixed indexes get the dictionaries compiled in."""
    idir = os.path.join(work, "idx")
    os.makedirs(idir, exist_ok=True)
    have = {}
    for name in ("scifact",) + tuple("xquad-" + l for l in XQ):
        d = os.path.join(data, name)
        files = [os.path.join(d, f) for f in
                 ("docs.jsonl", "queries.tsv", "qrels.txt")]
        if all(os.path.isfile(f) for f in files):
            have[name] = files
        else:
            skipped.append(name)
            print(f"eval: {d} is absent or incomplete; its rows are skipped",
                  file=sys.stderr)
    rows, jobs = [], []
    for name, (docs, q, qrels) in have.items():
        r = Row(name, name, name, q, qrels)
        r.idx = os.path.join(idir, name)
        jobs.append((docs, r.idx, dicts if name.startswith("xquad") else None))
        rows.append(r)
    midx = os.path.join(idir, "mixed")
    if all("xquad-" + l in have for l in XQ):
        mdocs = os.path.join(work, "mixed.jsonl")
        with open(mdocs, "w", encoding="utf-8") as out:
            for l in XQ:
                docs, q, qrels = have["xquad-" + l]
                mq = os.path.join(work, f"qrels.mixed-{l}.txt")
                prefixed(docs, qrels, l, out, mq)
                r = Row("mixed:" + l, "xquad en+de+nl", "xquad-" + l, q, mq)
                r.idx = midx
                rows.append(r)
        jobs.append((mdocs, midx, dicts))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
        list(ex.map(lambda j: index(zi, *j), jobs))
    cross_ok = dicts is not None or "--cross" not in cross_flags
    if not cross_ok:
        print("eval: no dictionaries (--dictionaries DIR); the "
              "cross-language rows are skipped", file=sys.stderr)
        skipped.append("dictionaries")
        return rows
    by = {r.name: r for r in rows}
    for l in XQ:
        m = by.get("mixed:" + l)
        if m and cross_flags:
            r = Row("mixed+cross:" + l, m.index, m.queries, m.qfile, m.qrels,
                    cross_flags)
            r.idx = m.idx
            rows.append(r)
    for x, y in CROSS:
        qx, iy = by.get("xquad-" + x), by.get("xquad-" + y)
        if qx and iy:
            r = Row(f"cross:{x}->{y}", iy.name, qx.name, qx.qfile,
                    qx.qrels, cross_flags)
            r.idx = iy.idx
            rows.append(r)
    return rows


# ------------------------------------------------------------ targets

def targets(rows):
    """row name -> (target text, met or None, detail)."""
    by = {r.name: r for r in rows}
    out = {}
    sf = by.get("scifact")
    if sf:
        n, r = sf.fig["nDCG@10"], sf.fig["R@100"]
        out["scifact"] = ("nDCG@10 >= 0.690, R@100 >= 0.925",
                          n >= 0.690 and r >= 0.925, "")
    en = by.get("xquad-en")
    for l in ("de", "nl"):
        r = by.get("xquad-" + l)
        if r and en:
            gap = en.fig["nDCG@10"] - r.fig["nDCG@10"]
            out[r.name] = ("nDCG@10 >= en - 0.010", gap <= 0.010 + 1e-9,
                           f"{-gap:+.4f}")
    for l in XQ:
        m, s = by.get("mixed:" + l), by.get("xquad-" + l)
        if m and s:
            loss = s.fig["nDCG@10"] - m.fig["nDCG@10"]
            out[m.name] = (f"nDCG@10 >= xquad-{l} - 0.005",
                           loss <= 0.005 + 1e-9, f"{-loss:+.4f}")
    for l in XQ:
        c, m = by.get("mixed+cross:" + l), by.get("mixed:" + l)
        if c and m:
            loss = m.fig["nDCG@10"] - c.fig["nDCG@10"]
            out[c.name] = (f"nDCG@10 >= mixed:{l} - 0.005",
                           loss <= 0.005 + 1e-9, f"{-loss:+.4f}")
    for r in rows:
        if r.name.startswith("cross:"):
            out[r.name] = ("nDCG@10 >= 0.80", r.fig["nDCG@10"] >= 0.80, "")
    return out


# ------------------------------------------------------------ baseline

def parse_table(lines):
    """Markdown table lines -> (header cells, list of row cells)."""
    cells = []
    for line in lines:
        s = line.strip()
        if not s.startswith("|"):
            continue
        c = [x.strip() for x in s.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", x) for x in c):
            continue
        cells.append(c)
    return (cells[0], cells[1:]) if cells else ([], [])


def read_baseline(path):
    """row name -> {metric: value} from the marked table, or None when the
    file or the block is missing."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < i:
        return None
    head, body = parse_table(text[i + len(BEGIN):j].splitlines())
    if not head:
        return None
    col = {h: k for k, h in enumerate(head)}
    if "row" not in col or any(m not in col for m, _ in METRICS):
        die(f"{path}: the baseline table needs the columns row, "
            + ", ".join(m for m, _ in METRICS))
    base = {}
    for c in body:
        name = c[col["row"]].strip("`")
        try:
            base[name] = {m: float(c[col[m]]) for m, _ in METRICS}
        except (ValueError, IndexError):
            die(f"{path}: baseline row {name!r} is not readable")
    return base


def markdown(rows, tg):
    head = ["row", "index", "queries", "nDCG@10", "MAP", "R@100", "MRR@10",
            "published (nDCG@10 / R@100)", "plain BM25 (nDCG@10 / R@100)",
            "target", "met"]
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if k < 3 or k > 6 else "---:"
                          for k in range(len(head))) + "|"]
    for r in rows:
        t = tg.get(r.name)
        met = "-" if not t else ("met" if t[1] else "not met") + \
            (f" ({t[2]})" if t[2] else "")
        out.append("| " + " | ".join(
            [f"`{r.name}`", r.index, r.queries]
            + [fmt(r.fig[m]) for m, _ in METRICS]
            + [ref_text(PUBLISHED.get(r.name)), ref_text(PLAIN.get(r.name)),
               t[0] if t else "-", met]) + " |")
    return out


def write_baseline(path, rows, tg, flags, cross_flags):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        die(f"{path} does not exist")
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < i:
        die(f"{path}: no baseline block ({BEGIN} ... {END})")
    cmd = "make eval"
    if flags:
        cmd += f" SEARCH_FLAGS='{shlex.join(flags)}'"
    if cross_flags != ["--cross"]:
        cmd += f" CROSS_FLAGS='{shlex.join(cross_flags)}'"
    block = [BEGIN, ""] + markdown(rows, tg) + [
        "", f"Measured with `{cmd}`.", "", END]
    text = text[:i] + "\n".join(block) + text[j + len(END):]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def compare(rows, base, tol):
    """row name -> list of (metric, baseline, now) that regressed."""
    bad = {}
    for r in rows:
        b = base.get(r.name)
        if not b:
            continue
        for m, _ in METRICS:
            if r.fig[m] < b[m] - tol - 1e-9:
                bad.setdefault(r.name, []).append((m, b[m], r.fig[m]))
    return bad


# ------------------------------------------------------------ output

def print_table(rows, tg, base, bad):
    head = ["row", "index", "queries", "nDCG@10", "MAP", "R@100", "MRR@10",
            "published", "plain BM25", "target", "met", "vs baseline"]
    lines = []
    for r in rows:
        t = tg.get(r.name)
        met = "-" if not t else ("met" if t[1] else "NOT MET") + \
            (f" {t[2]}" if t[2] else "")
        if base is None or r.name not in base:
            vs = "new" if base is not None else "-"
        elif r.name in bad:
            vs = "REGRESSED " + ", ".join(f"{m} {b:.4f}->{n:.4f}"
                                          for m, b, n in bad[r.name])
        else:
            d = min(r.fig[m] - base[r.name][m] for m, _ in METRICS)
            vs = "ok" if abs(d) < 5e-5 else f"ok (min {d:+.4f})"
        lines.append([r.name, r.index, r.queries]
                     + [fmt(r.fig[m]) for m, _ in METRICS]
                     + [ref_text(PUBLISHED.get(r.name)),
                        ref_text(PLAIN.get(r.name)),
                        t[0] if t else "-", met, vs])
    w = [max(len(x[k]) for x in [head] + lines) for k in range(len(head))]
    num = range(3, 7)
    for x in [head] + lines:
        print("  ".join((x[k].rjust(w[k]) if k in num else x[k].ljust(w[k]))
                        for k in range(len(x))).rstrip())


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/eval",
                    help="evaluation folder (default ../shared/eval)")
    ap.add_argument("--trec-eval", help="scorer (default DATA/../tools/"
                    "trec_eval.py)")
    ap.add_argument("--bin", default="build", help="folder of zoek-index "
                    "and zoek-search (default build)")
    ap.add_argument("--work", default="build/eval",
                    help="scratch folder, emptied first (default build/eval)")
    ap.add_argument("--quality", default="docs/QUALITY.md",
                    help="file holding the baseline (default docs/QUALITY.md)")
    ap.add_argument("--flags", default="",
                    help="extra zoek-search flags for every row")
    ap.add_argument("--cross-flags", default="",
                    help="extra zoek-search flags for the cross:X->Y rows")
    ap.add_argument("--dictionaries", default="",
                    help="FreeDict folder compiled into the XQuAD indexes "
                    "for the cross-language rows (e.g. /usr/share/dictd)")
    ap.add_argument("--tolerance", type=float, default=0.002,
                    help="allowed drop below the baseline (default 0.002)")
    ap.add_argument("--write-baseline", action="store_true",
                    help="rewrite the baseline table from this run")
    ap.add_argument("--no-check", action="store_true",
                    help="do not compare with the baseline")
    ap.add_argument("--json", action="store_true",
                    help="print the rows as JSON instead of the table")
    a = ap.parse_args(argv)

    # Paths given on the command line are taken from the current folder,
    # the defaults from the repository root.
    given = set(x.lstrip("-").split("=")[0].replace("-", "_")
                for x in (sys.argv[1:] if argv is None else argv)
                if x.startswith("--"))
    for k in ("data", "trec_eval", "bin", "work", "quality"):
        if k in given and getattr(a, k):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    os.chdir(ROOT)
    t0 = time.time()
    if not os.path.isdir(a.data):
        print(f"eval: {a.data} not found; skipping the ranking-quality "
              "evaluation", file=sys.stderr)
        return 0
    trec_eval = a.trec_eval or os.path.join(a.data, "..", "tools",
                                            "trec_eval.py")
    if not os.path.isfile(trec_eval):
        print(f"eval: {trec_eval} not found; skipping the ranking-quality "
              "evaluation", file=sys.stderr)
        return 0
    zi, zs = (os.path.join(a.bin, p) for p in ("zoek-index", "zoek-search"))
    for p in (zi, zs):
        if not os.access(p, os.X_OK):
            die(f"{p} is missing; run make first")
    flags, cross_flags = shlex.split(a.flags), shlex.split(a.cross_flags)

    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(os.path.join(a.work, "runs"))
    skipped = []
    dicts = a.dictionaries if have_dicts(a.dictionaries) else None
    if a.dictionaries and not dicts:
        print(f"eval: {a.dictionaries} holds no FreeDict dictionary",
              file=sys.stderr)
    rows = build_rows(a.data, a.work, zi, cross_flags, skipped, dicts)
    if not rows:
        print("eval: no collection found; nothing to evaluate",
              file=sys.stderr)
        return 0
    t_index = time.time() - t0

    try:
        run_all(zs, trec_eval, rows, flags, os.path.join(a.work, "runs"))
    except RuntimeError as e:
        die(str(e))

    tg = targets(rows)
    base = None if a.no_check else read_baseline(a.quality)
    bad = compare(rows, base, a.tolerance) if base else {}
    if a.json:
        print(json.dumps([dict(row=r.name, index=r.index, queries=r.queries,
                               flags=flags + r.flags, **r.fig,
                               target=tg.get(r.name, (None,))[0],
                               met=tg.get(r.name, (None, None))[1])
                          for r in rows], indent=1))
    else:
        print_table(rows, tg, base, bad)
    took = time.time() - t0
    print(f"eval: {len(rows)} rows in {took:.1f} s (indexing "
          f"{t_index:.1f} s); runs in {os.path.relpath(a.work)}/runs",
          file=sys.stderr)

    if a.write_baseline:
        if skipped:
            die("not writing a partial baseline: " + ", ".join(skipped)
                + " missing")
        write_baseline(a.quality, rows, tg, flags, cross_flags)
        print(f"eval: baseline written to {a.quality}", file=sys.stderr)
        return 0
    if a.no_check:
        return 0
    if base is None:
        print(f"eval: no baseline in {a.quality}; nothing compared "
              "(make eval-baseline writes one)", file=sys.stderr)
        return 0
    notrun = sorted(set(base) - {r.name for r in rows})
    if notrun:
        print("eval: baseline rows not run: " + ", ".join(notrun),
              file=sys.stderr)
    if bad:
        print(f"eval: {len(bad)} row(s) fell more than {a.tolerance} below "
              f"the baseline in {a.quality}: " + ", ".join(bad),
              file=sys.stderr)
        return 1
    print(f"eval: no figure below the baseline in {a.quality} by more "
          f"than {a.tolerance}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
