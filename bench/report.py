#!/usr/bin/python3
"""Print the benchmark report (Markdown) of one `make bench` output dir.

  report.py OUT_DIR [PEER ...]

Reads OUT_DIR/summary.json (written by the peers' summarize.py, with zoek
as one more row), machine.json, command.txt, extra/ (zoek's own extra
measurements) and incremental/ (the 99 % + 1 % benchmark).  One table:
every engine in the peers' columns, then zoek/peer ratio rows (below 1:
zoek is smaller or faster).  Then zoek's details.
"""
import json
import os
import re
import statistics
import sys

MIB = 1048576.0


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {} if default is None else default


def gnu_time(path):
    r = {}
    if not os.path.exists(path):
        return r
    for line in open(path, errors="replace"):
        line = line.strip()
        v = line.rsplit(" ", 1)[-1]
        if line.startswith("Elapsed (wall clock) time"):
            secs = 0.0
            for part in v.split(":"):
                secs = secs * 60 + float(part)
            r["wall_s"] = secs
        elif line.startswith("Maximum resident set size"):
            r["max_rss_kib"] = int(v)
        elif line.startswith("User time"):
            r["user_s"] = float(v)
        elif line.startswith("System time"):
            r["sys_s"] = float(v)
        elif line.startswith("File system outputs"):
            r["write_bytes"] = int(v) * 512
        elif line.startswith("Percent of CPU"):
            r["cpu_pct"] = v
    return r


def mdb_stat(path):
    """Pages per database, page size, pages used and free (mdb_stat -efa)."""
    out = {"dbs": {}}
    if not os.path.exists(path):
        return out
    cur = None
    for line in open(path, errors="replace"):
        s = line.strip()
        m = re.match(r"Status of (.+)$", s)
        if m:
            cur = out["dbs"].setdefault(m.group(1), {})
            continue
        if s.startswith("Freelist Status"):
            cur = None
            continue
        if ":" not in s:
            continue
        k, v = [x.strip() for x in s.split(":", 1)]
        try:
            v = int(v)
        except ValueError:
            continue
        if k == "Page size":
            out["page"] = v
        elif k == "Number of pages used":
            out["used"] = v
        elif k == "Free pages":
            out["free"] = v
        elif cur is not None and k in ("Branch pages", "Leaf pages", "Overflow pages", "Entries"):
            cur[k] = v
    for d in out["dbs"].values():
        d["pages"] = d.get("Branch pages", 0) + d.get("Leaf pages", 0) + d.get("Overflow pages", 0)
    return out


def ms(us):
    if us is None:
        return "-"
    v = us / 1000.0
    return "%.3g" % v if v < 100 else "%.0f" % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    r = a / float(b)
    if r < 0.1:
        return "%.2g" % r
    return "%.2f" % r if r < 10 else "%.1f" % r


def md_table(head, rows):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def row_values(e):
    """The table's numbers for one engine of summary.json."""
    b, s, tb, ts = e.get("build", {}), e.get("search", {}), e.get("build_time_v", {}), e.get("batch_time_v", {})
    raw = b.get("raw_text_bytes")
    idx = b.get("index_bytes")
    g = lambda d, k: d.get(k) if d else None
    l10, l1k, lno = s.get("latency_top10", {}), s.get("latency_top1000", {}), s.get("latency_top1000_noid", {})
    return {
        "docs": b.get("docs"),
        "build_s": tb.get("wall_s"),
        "build_cpu": tb["user_s"] + tb["sys_s"] if "user_s" in tb else None,
        "batch_cpu": ts["user_s"] + ts["sys_s"] if "user_s" in ts else None,
        "brss": tb["max_rss_kib"] / 1024.0 if "max_rss_kib" in tb else None,
        "index": idx / MIB if idx else None,
        "idxraw": idx / float(raw) if idx and raw else None,
        "t10": (g(l10, "p50_us"), g(l10, "p99_us")),
        "t1k": (g(l1k, "p50_us"), g(l1k, "p99_us")),
        "noid": (g(lno, "p50_us"), g(lno, "p99_us")),
        "batch_s": ts.get("wall_s"),
        "srss": ts["max_rss_kib"] / 1024.0 if "max_rss_kib" in ts else None,
        "map": e.get("eval", {}).get("map"),
        "ndcg10": e.get("eval", {}).get("ndcg10"),
    }


def fmt(v, f):
    return "-" if v is None else f % v


def scale_report(argv):
    """report.py --scale DIR N... [-- PEER...]: the bench-scale table."""
    d = argv[0]
    rest = argv[1:]
    peers = rest[rest.index("--") + 1:] if "--" in rest else []
    points = [int(x) for x in (rest[:rest.index("--")] if "--" in rest else rest)]
    mach = load(os.path.join(d, "machine.json"))
    cmd = open(os.path.join(d, "command.txt")).read().strip() if os.path.exists(
        os.path.join(d, "command.txt")) else "make bench-scale"
    el = open(os.path.join(d, "elapsed_s.txt")).read().strip() if os.path.exists(
        os.path.join(d, "elapsed_s.txt")) else None
    le = os.path.join(d, "loadavg_end.txt")
    P = ["Machine: %s cores, %s, %s GiB RAM; %s; commit %s; `%s`%s; load average %s at the start, "
         "%s at the end."
         % (mach.get("nproc"), mach.get("cpu"), mach.get("mem_gib"), mach.get("date"),
            mach.get("commit"), cmd, "" if el is None else " (whole run %.1f min)" % (int(el) / 60.0),
            mach.get("loadavg", "?"), open(le).read().strip() if os.path.exists(le) else "?"), ""]
    rows = []
    notes = []
    first = None
    for n in points:
        o = os.path.join(d, "out-%d" % n)
        b = load(os.path.join(o, "metrics", "zoek.build.json"))
        s = load(os.path.join(o, "metrics", "zoek.search.json"))
        tb = gnu_time(os.path.join(o, "logs", "zoek.build.time"))
        ts = gnu_time(os.path.join(o, "logs", "zoek.batch.time"))
        if not b:
            continue
        l10, l1k = s.get("latency_top10", {}), s.get("latency_top1000", {})
        cur = (b["passages"], tb.get("wall_s", b["build_s"]), l10.get("p50_us"))
        first = first or cur
        if os.path.exists(os.path.join(o, "workaround.txt")):
            notes.append("%d articles: zoek built the index but did not open it again (%s); the file "
                         "was extended to LMDB's last page (%s) to measure the search."
                         % (n, b.get("reopen_error", "?"), open(os.path.join(o, "workaround.txt")).read().strip()))
        rows.append(["%d" % b["docs"], "%d" % b["passages"], "%.0f" % (b["raw_text_bytes"] / 1e6),
                     "%.1f" % b["build_noopt_s"], "%.1f" % tb.get("wall_s", b["build_s"]),
                     "%.1f" % (tb.get("user_s", 0) + tb.get("sys_s", 0)),
                     "%.1f" % (b["raw_text_bytes"] / 1e6 / tb.get("wall_s", b["build_s"])),
                     "%.0f" % (tb.get("max_rss_kib", 0) / 1024.0), "%.0f" % (b["index_bytes"] / MIB),
                     "%.2f" % (b["index_bytes"] / float(b["raw_text_bytes"])),
                     "%s/%s" % (ms(l10.get("p50_us")), ms(l10.get("p99_us"))),
                     "%s/%s" % (ms(l1k.get("p50_us")), ms(l1k.get("p99_us"))),
                     "%.2f" % ts.get("wall_s", 0),
                     "%.1f / %.1f / %.1f" % (cur[0] / float(first[0]), cur[1] / first[1],
                                           (cur[2] or 0) / (first[2] or 1))])
    P.append(md_table(["articles", "passages", "MB", "build s (no optimize)", "build s", "build CPU s", "MB/s",
                       "build RSS MiB", "index MiB", "idx/raw", "top10 p50/p99 ms",
                       "top1k p50/p99 ms", "batch s", "growth: passages / build / top10 p50"], rows))
    if notes:
        P += [""] + ["Note: " + x for x in notes]
    for p in peers:
        prow = []
        for n in points:
            o = os.path.join(d, "out-%d" % n)
            b = load(os.path.join(o, "metrics", "%s.build.json" % p))
            s = load(os.path.join(o, "metrics", "%s.search.json" % p))
            tb = gnu_time(os.path.join(o, "logs", "%s.build.time" % p))
            if b:
                prow.append(["%d" % b["docs"], "%.1f" % tb.get("wall_s", 0),
                             "%.0f" % (b.get("index_bytes", 0) / MIB),
                             "%s/%s" % (ms(s.get("latency_top10", {}).get("p50_us")),
                                        ms(s.get("latency_top10", {}).get("p99_us")))])
        if prow:
            P += ["", "%s:" % p, "",
                  md_table(["articles", "build s", "index MiB", "top10 p50/p99 ms"], prow)]
    print("\n".join(P))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--scale":
        scale_report(sys.argv[2:])
        return
    out = sys.argv[1]
    peers = sys.argv[2:]
    summ = load(os.path.join(out, "summary.json"))
    mach = load(os.path.join(out, "machine.json"))
    cmd = open(os.path.join(out, "command.txt")).read().strip() if os.path.exists(
        os.path.join(out, "command.txt")) else "make bench"
    elapsed = open(os.path.join(out, "elapsed_s.txt")).read().strip() if os.path.exists(
        os.path.join(out, "elapsed_s.txt")) else None
    engines = [p for p in peers if p in summ] + (["zoek"] if "zoek" in summ else [])
    vals = {p: row_values(summ[p]) for p in engines}
    has_eval = any(vals[p]["map"] is not None for p in engines)
    z = vals.get("zoek")
    zb = summ.get("zoek", {}).get("build", {})
    zs = summ.get("zoek", {}).get("search", {})
    P = []

    le = os.path.join(out, "loadavg_end.txt")
    P.append("Machine: %s cores, %s, %s GiB RAM, kernel %s; %s; commit %s; `%s`%s; load average "
             "%s at the start, %s at the end."
             % (mach.get("nproc"), mach.get("cpu"), mach.get("mem_gib"), mach.get("kernel"),
                mach.get("date"), mach.get("commit"), cmd,
                "" if elapsed is None else " (whole run %.1f min)" % (int(elapsed) / 60.0),
                mach.get("loadavg", "?"), open(le).read().strip() if os.path.exists(le) else "?"))
    if zb:
        nq = zs.get("queries")
        P.append("Corpus: %s articles, %.1f MB of title+text, %s passages (zoek); %s queries, "
                 "latency over %s queries x %s timed passes after one warm-up pass."
                 % (zb.get("docs"), zb.get("raw_text_bytes", 0) / 1e6, zb.get("passages"), nq,
                    zs.get("latency_queries"), zs.get("reps")))
    P.append("")
    head = ["engine", "docs", "build s", "build CPU s", "build RSS MiB", "index MiB", "idx/raw",
            "top10 p50/p99 ms", "top1k p50/p99 ms", "top1k no-id p50/p99 ms", "batch s",
            "batch CPU s", "batch RSS MiB"]
    if has_eval:
        head += ["MAP", "nDCG@10"]
    rows = []
    for p in engines:
        v = vals[p]
        r = [p, fmt(v["docs"], "%d"), fmt(v["build_s"], "%.1f"), fmt(v["build_cpu"], "%.1f"),
             fmt(v["brss"], "%.0f"),
             fmt(v["index"], "%.1f"), fmt(v["idxraw"], "%.2f"),
             "%s/%s" % (ms(v["t10"][0]), ms(v["t10"][1])),
             "%s/%s" % (ms(v["t1k"][0]), ms(v["t1k"][1])),
             "%s/%s" % (ms(v["noid"][0]), ms(v["noid"][1])),
             fmt(v["batch_s"], "%.2f"), fmt(v["batch_cpu"], "%.2f"), fmt(v["srss"], "%.0f")]
        if has_eval:
            r += [fmt(v["map"], "%.4f"), fmt(v["ndcg10"], "%.4f")]
        rows.append(r)
    if z:
        for p in engines:
            if p == "zoek":
                continue
            v = vals[p]
            r = ["zoek/" + p, "", ratio(z["build_s"], v["build_s"]),
                 ratio(z["build_cpu"], v["build_cpu"]), ratio(z["brss"], v["brss"]),
                 ratio(z["index"], v["index"]), ratio(z["idxraw"], v["idxraw"]),
                 "%s/%s" % (ratio(z["t10"][0], v["t10"][0]), ratio(z["t10"][1], v["t10"][1])),
                 "%s/%s" % (ratio(z["t1k"][0], v["t1k"][0]), ratio(z["t1k"][1], v["t1k"][1])),
                 "%s/%s" % (ratio(z["noid"][0], v["noid"][0]), ratio(z["noid"][1], v["noid"][1])),
                 ratio(z["batch_s"], v["batch_s"]), ratio(z["batch_cpu"], v["batch_cpu"]),
                 ratio(z["srss"], v["srss"])]
            if has_eval:
                r += [ratio(z["map"], v["map"]), ratio(z["ndcg10"], v["ndcg10"])]
            rows.append(r)
    P.append(md_table(head, rows))
    P.append("")
    P.append("build: whole process incl. the finalize step (zoek: commit, then merge to one "
             "segment); CPU s: user + system time of that process; RSS: peak resident set (/usr/bin/time -v); index: all files after "
             "finalize; latencies in-process per query (zoek: zoek_search() + reading every "
             "hit's id + free; articles ranked, no snippets); batch: a fresh process runs all "
             "queries once at top 1000.  zoek/peer rows: ratios (< 1: zoek smaller or faster).")
    if not z:
        print("\n".join(P))
        return
    X = os.path.join(out, "extra")

    # ---------------------------------------------------------- build
    P.append("")
    P.append("### zoek build")
    P.append("")
    cli = gnu_time(os.path.join(X, "cli.build.time"))
    t1 = load(os.path.join(X, "threads1.build.json"))
    m64 = load(os.path.join(X, "mem64.build.json"))
    m64t = gnu_time(os.path.join(X, "mem64.build.time"))
    btv = gnu_time(os.path.join(out, "logs", "zoek.build.time"))
    t1t = gnu_time(os.path.join(X, "threads1.build.time"))
    cpu_of = lambda t: "%.1f" % (t["user_s"] + t["sys_s"]) if t and "user_s" in t else "-"
    rows = [["add + commit (no optimize)", "%.1f" % zb["build_noopt_s"], "-", "%d" % zb["segments_before_optimize"],
             "%.1f" % (zb["index_bytes_unoptimized"] / MIB), "%.0f" % (zb["peak_rss_noopt_kib"] / 1024.0)]]
    if "optimize_s" in zb:
        rows.append(["+ optimize (merge to one segment, 2nd commit)", "%.1f (+%.1f)" % (zb["build_s"], zb["optimize_s"]),
                     "%.1f" % zb["cpu_s"], "%d" % zb["segments"], "%.1f" % (zb["index_bytes"] / MIB),
                     "%.0f" % (zb["peak_rss_kib"] / 1024.0)])
    if cli:
        rows.append(["`zoek-index --optimize` (one run, CLI)", "%.1f" % cli["wall_s"], cpu_of(cli), "1", "-",
                     "%.0f" % (cli["max_rss_kib"] / 1024.0)])
    if t1:
        rows.append(["add + commit, `--threads 1`", "%.1f" % t1["build_noopt_s"], "%.1f" % t1["cpu_s"],
                     "%d" % t1["segments_before_optimize"], "%.1f" % (t1["index_bytes_unoptimized"] / MIB),
                     "%.0f" % (t1["peak_rss_noopt_kib"] / 1024.0)])
    if m64:
        rows.append(["add + commit, `--memory 64`", "%.1f" % m64["build_noopt_s"], "%.1f" % m64["cpu_s"],
                     "%d" % m64["segments_before_optimize"], "%.1f" % (m64["index_bytes_unoptimized"] / MIB),
                     "%.0f" % (m64["peak_rss_noopt_kib"] / 1024.0)])
    P.append(md_table(["zoek build", "wall s", "CPU s", "segments", "index MiB", "peak RSS MiB"], rows))
    P.append("")
    cpu = (btv.get("user_s", 0) + btv.get("sys_s", 0))
    ct = gnu_time(os.path.join(X, "compact.time"))
    if ct and os.path.exists(os.path.join(X, "compact.after")):
        before = int(open(os.path.join(X, "compact.before")).read())
        after = int(open(os.path.join(X, "compact.after")).read())
        P.append("`zoek-index --compact` after the build: %.1f s wall, %.1f CPU s; data.mdb %.1f -> %.1f MiB "
                 "(%.2f x raw)." % (ct["wall_s"], ct["user_s"] + ct["sys_s"], before / MIB, after / MIB,
                                   after / float(zb["raw_text_bytes"])))
        P.append("")
    P.append("Phases (in-process wall): add %.1f s, first commit %.1f s (%s segment merges, %d segments "
             "left), optimize commit %s s."
             % (zb["add_s"], zb["commit_s"], zb.get("merged_in_first_commit", "?"),
                zb["segments_before_optimize"],
                "%.1f" % zb["optimize_s"] if "optimize_s" in zb else "-"))
    P.append("")
    P.append("Main build: %.1f s wall, %.1f s CPU (user %.1f, sys %.1f; %s CPU), %.1f MB/s of text; "
             "bytes written %.0f MiB (%.1fx the final file).  Memory budget 256 MiB (default): "
             "peak RSS %.0f MiB; with `--memory 64`: %s MiB."
             % (btv.get("wall_s", 0), cpu, btv.get("user_s", 0), btv.get("sys_s", 0), btv.get("cpu_pct", "?"),
                zb["raw_text_bytes"] / 1e6 / zb["build_s"], zb.get("write_bytes", 0) / MIB,
                zb.get("write_bytes", 0) / float(zb["index_bytes"] or 1),
                btv.get("max_rss_kib", 0) / 1024.0,
                "%.0f" % (m64t["max_rss_kib"] / 1024.0) if m64t else "-"))

    # ---------------------------------------------------------- size
    st = mdb_stat(os.path.join(X, "mdb_stat.txt"))
    if st.get("dbs"):
        pg = st.get("page", 4096)
        P.append("")
        P.append("### zoek index size (mdb_stat -efa, pages of %d bytes)" % pg)
        P.append("")
        rows = []
        live = 0
        for name in sorted(st["dbs"], key=lambda n: -st["dbs"][n]["pages"]):
            d = st["dbs"][name]
            live += d["pages"]
            if d["pages"] == 0:
                continue
            rows.append([name, "%d" % d.get("Entries", 0), "%.1f" % (d["pages"] * pg / MIB),
                         "%.3f" % (d["pages"] * pg / float(zb["raw_text_bytes"]))])
        used, free = st.get("used", 0), st.get("free", 0)
        rows.append(["(free pages in the file)", "", "%.1f" % (free * pg / MIB), ""])
        rows.append(["data.mdb (file)", "", "%.1f" % (zb["data_mdb_bytes"] / MIB),
                     "%.3f" % (zb["data_mdb_bytes"] / float(zb["raw_text_bytes"]))])
        P.append(md_table(["table", "entries", "MiB", "/raw"], rows))
        text = st["dbs"].get("text", {}).get("pages", 0) * pg
        notext = live * pg - text
        post = (st["dbs"].get("post", {}).get("pages", 0)) * pg
        pos = (st["dbs"].get("pos", {}).get("pages", 0)) * pg
        P.append("")
        line = ("Live pages %.1f MiB; without the stored text (`text`) %.1f MiB = %.3f x raw; "
                "postings + dictionary (`post`) %.1f MiB, positions (`pos`) %.1f MiB."
                % (live * pg / MIB, notext / MIB, notext / float(zb["raw_text_bytes"]), post / MIB, pos / MIB))
        for p in ("fts5", "xapian", "xapian-nopos", "lucene++"):
            if p in vals and vals[p]["index"]:
                line += "  zoek without text / %s = %.2f." % (p, notext / MIB / vals[p]["index"])
        P.append(line)

    # ---------------------------------------------------------- floor
    an = load(os.path.join(X, "analyze.json"))
    if an:
        ncpu = mach.get("nproc") or 1
        bmbs = zb["raw_text_bytes"] / 1e6 / btv.get("wall_s", zb["build_s"])
        percore = bmbs / ncpu
        nooptmbs = zb["raw_text_bytes"] / 1e6 / zb["build_noopt_s"]
        P.append("")
        P.append("### Physical limit: analysis alone (one thread, `bench/analyze_only`)")
        P.append("")
        P.append(md_table(["stage (one thread)", "s", "MB/s"], [
            ["JSON parse + UTF-8 repair", "%.2f" % an["parse_s"], "%.0f" % an["parse_mb_s"]],
            ["tokenize only", "%.2f" % an["tokenize_s"], "%.0f" % an["tokenize_mb_s"]],
            ["analyze (normalize, tokenize, stopwords, stem + cache)", "%.2f" % an["analyze_s"],
             "%.1f" % an["analyze_mb_s"]],
            ["analyze + passages", "%.2f" % (an["analyze_s"] + an["passages_s"]),
             "%.1f" % an["analyze_passages_mb_s"]],
            ["parse + analyze + passages", "%.2f" % (an["parse_s"] + an["analyze_s"] + an["passages_s"]),
             "%.1f" % an["parse_analyze_passages_mb_s"]],
        ]))
        P.append("")
        P.append("zoek build: %.1f MB/s wall on %d cores = %.1f MB/s per core (%.1f MB/s without "
                 "optimize); floor (parse + analyze + passages, one core) %.1f MB/s: the build runs at "
                 "%.0f %% of the floor per core; a perfect %d-core build would take %.1f s instead of %.1f s."
                 % (bmbs, ncpu, percore, nooptmbs, an["parse_analyze_passages_mb_s"],
                    100.0 * percore / an["parse_analyze_passages_mb_s"], ncpu,
                    zb["raw_text_bytes"] / 1e6 / an["parse_analyze_passages_mb_s"] / ncpu,
                    btv.get("wall_s", zb["build_s"])))
        floor_cpu = an["parse_s"] + an["analyze_s"] + an["passages_s"]
        P.append("")
        P.append("In CPU time (less sensitive to other load on the machine): the build used %.1f CPU s, "
                 "%.1f MB per CPU second; the floor needs %.1f CPU s (%.1f MB/s), %.0f %% of the build's CPU."
                 % (cpu, zb["raw_text_bytes"] / 1e6 / cpu, floor_cpu, an["parse_analyze_passages_mb_s"],
                    100.0 * floor_cpu / cpu))

    # ---------------------------------------------------------- search
    P.append("")
    P.append("### zoek search variants (in-process, ms)")
    P.append("")
    rows = []
    variants = [("articles, no snippets (table)", zs)]
    for key, label in (("passages", "passages, no snippets"), ("snippets", "articles + snippets"),
                       ("exhaustive", "articles, exhaustive (no pruning)")):
        m = load(os.path.join(X, "search.%s.json" % key))
        if m:
            variants.append((label, m))
    for label, m in variants:
        l10, l1k = m.get("latency_top10", {}), m.get("latency_top1000", {})
        rows.append([label, "%s/%s/%s" % (ms(l10.get("mean_us")), ms(l10.get("p50_us")), ms(l10.get("p99_us"))),
                     "%s/%s/%s" % (ms(l1k.get("mean_us")), ms(l1k.get("p50_us")), ms(l1k.get("p99_us"))),
                     "%.0f" % (m.get("peak_rss_kib", 0) / 1024.0)])
    P.append(md_table(["mode", "top10 mean/p50/p99", "top1k mean/p50/p99", "RSS MiB"], rows))
    zbt = load(os.path.join(out, "metrics", "zoek.batch.json"))
    clib = gnu_time(os.path.join(X, "cli.batch.time"))
    P.append("")
    line = ("Batch (fresh process, %s queries, top 1000): %.2f s wall, of which opening %.1f ms and "
            "queries %.2f s; peak RSS %.0f MiB."
            % (zbt.get("queries"), vals["zoek"]["batch_s"] or 0, zbt.get("open_s", 0) * 1000,
               zbt.get("batch_queries_s", 0), vals["zoek"]["srss"] or 0))
    if clib:
        line += ("  `zoek-search --queries Q --format trec --docs -n 1000` (query language detected, "
                 "output formatted): %.2f s, %.0f MiB." % (clib["wall_s"], clib["max_rss_kib"] / 1024.0))
    P.append(line)

    # ---------------------------------------------------------- incremental
    I = os.path.join(out, "incremental")
    tsv = os.path.join(I, "incremental.tsv")
    if os.path.exists(tsv):
        recs = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
        by = {}
        for r in recs:
            by.setdefault(r[0], []).append([float(x) for x in r[2:]])
        med = lambda k, i: statistics.median(x[i] for x in by.get(k, [[0] * 6]))
        add_s, alone_s = med("add", 0), med("alone", 0)
        base = load(os.path.join(I, "base.build.json"))
        sb, sa = load(os.path.join(I, "search.before.json")), load(os.path.join(I, "search.after.json"))
        P.append("")
        P.append("### Incremental: add 1 %% (%d articles) to an index of the other 99 %% (%s articles)"
                 % (sum(1 for _ in open(os.path.join(I, "add.jsonl"))) if os.path.exists(
                     os.path.join(I, "add.jsonl")) else 0, base.get("docs")))
        P.append("")
        rows = []
        for k, label in (("add", "into the 99 % index"), ("alone", "into an empty index")):
            if k not in by:
                continue
            rows.append([label, " ".join("%.2f" % x[0] for x in by[k]), "%.2f" % med(k, 0),
                         "%.2f" % (med(k, 1) + med(k, 2)), "%.1f" % (med(k, 3) / MIB),
                         "%.1f" % ((med(k, 5) - med(k, 4)) / MIB)])
        P.append(md_table(["zoek-index on add.jsonl", "wall s (each run)", "median s", "CPU s",
                           "write_bytes MiB", "data.mdb growth MiB"], rows))
        target = 2 * alone_s + 0.1
        P.append("")
        P.append("Ratio add/alone = %.2f; target <= 2x + 100 ms = %.2f s: %s.  Top-10 p50/p99 before "
                 "the add %s/%s ms, after %s/%s ms (top-1000 p50 %s -> %s ms)."
                 % (add_s / alone_s if alone_s else 0, target, "met" if add_s <= target else "NOT met",
                    ms(sb.get("latency_top10", {}).get("p50_us")), ms(sb.get("latency_top10", {}).get("p99_us")),
                    ms(sa.get("latency_top10", {}).get("p50_us")), ms(sa.get("latency_top10", {}).get("p99_us")),
                    ms(sb.get("latency_top1000", {}).get("p50_us")), ms(sa.get("latency_top1000", {}).get("p50_us"))))
    print("\n".join(P))


if __name__ == "__main__":
    main()
