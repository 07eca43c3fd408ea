#!/usr/bin/env python3
"""failures.py - XQuAD questions that German or Dutch ranks much worse than
English, and which query words missed the relevant paragraph.

Reads the runs and indexes that `make eval` leaves in build/eval/.  For each
question whose relevant paragraph is at rank <= --en-rank in English and at
rank >= --rank (or not found) in LANG, prints the question in both
languages and, for each word of the LANG question, whether zoek matches it in
the relevant paragraph (a one-word search on the LANG index); for the words
that miss, the paragraph's words that look related (shared prefix of 4+
letters, or one containing the other: compounds, inflections, participles).

    make eval && python3 eval/failures.py [--lang de|nl] [--limit N]
"""
import argparse
import os
import re
import subprocess
import sys
import json
import unicodedata

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality  # noqa: E402

WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)


def ranks(run_path, qrels):
    """qid -> rank (1-based, by score as trec_eval) of the relevant doc."""
    per = {}
    with open(run_path, encoding="utf-8") as f:
        for line in f:
            q, _, d, _, s, _ = line.split()
            per.setdefault(q, []).append((float(s), d))
    out = {}
    for q, rel in qrels.items():
        docs = sorted(per.get(q, []), key=lambda x: x[1], reverse=True)
        docs.sort(key=lambda x: x[0], reverse=True)
        ids = [d for _, d in docs]
        out[q] = ids.index(rel) + 1 if rel in ids else None
    return out


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f
                    if line.strip())


def fold(w):
    w = unicodedata.normalize("NFKD", w.lower())
    return "".join(c for c in w if not unicodedata.combining(c)).replace(
        "ß", "ss")


def prefix_len(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def kind_of(fw, fp):
    """How paragraph word fp relates to query word fw (both folded), or
    None.  "inflection": same start of 4+ letters, endings of at most 4;
    "ge- participle": the same after dropping a leading ge- (5+ letters);
    "query compound": fp (less up to 2 final letters, at least 5) is a part
    of a longer fw;
    "paragraph compound": the other way round."""
    if fp == fw or len(fw) < 4 or len(fp) < 4:
        return None
    n = prefix_len(fw, fp)
    if n >= 4 and len(fw) - n <= 4 and len(fp) - n <= 4:
        return "inflection"
    a = fw[2:] if fw.startswith("ge") else fw
    b = fp[2:] if fp.startswith("ge") else fp
    n = prefix_len(a, b)
    if (a, b) != (fw, fp) and n >= 5 and len(a) - n <= 4 and len(b) - n <= 4:
        return "ge- participle"
    if len(fw) - len(fp) >= 4 and fp[:max(5, len(fp) - 2)] in fw:
        return "query compound"
    if len(fp) - len(fw) >= 4 and fw[:max(5, len(fw) - 2)] in fp:
        return "paragraph compound"
    return None


KINDS = ["inflection", "ge- participle", "query compound",
         "paragraph compound"]


def related(word, para_words):
    """(kind, up to 4 paragraph words) for the first kind of KINDS that some
    paragraph word has with word, or (None, [])."""
    fw = fold(word)
    found = {}
    for p in para_words:
        k = kind_of(fw, fold(p))
        if k and p not in found.setdefault(k, []):
            found[k].append(p)
    for k in KINDS:
        if found.get(k):
            return k, found[k][:4]
    return None, []


def word_hits(zs, idx, lang, qwords, path):
    """{(qid, i): set of docs} for one-word searches of every query word."""
    with open(path, "w", encoding="utf-8") as f:
        for q, ws in qwords.items():
            for i, w in enumerate(ws):
                f.write(f"{q}#{i}\t{w}\n")
    p = subprocess.run([zs, "-d", idx, "--plain", "--lang", lang,
                        "--queries", path,
                        "--format", "trec", "--docs", "-n", "1000"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"failures: zoek-search: {p.stderr.strip()}")
    hits = {}
    for line in p.stdout.splitlines():
        qid, _, d = line.split()[:3]
        q, i = qid.rsplit("#", 1)
        hits.setdefault((q, int(i)), set()).add(d)
    return hits


def stopwords(zi, zs, lang, words, work):
    """The words zoek drops as stopwords in lang: those a one-word search
    does not find in an index of one article made of all the words."""
    words = sorted(set(words))
    d = os.path.join(work, f"stop-{lang}")
    src = d + ".jsonl"
    with open(src, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "all", "lang": lang,
                            "text": " ".join(words)}) + "\n")
    quality.index(zi, src, d)
    hits = word_hits(zs, d, lang, {"w": words}, d + ".tsv")
    return {w for i, w in enumerate(words) if ("w", i) not in hits}


def misses(data, work, zs, lang, qrels):
    """Per query: list of (word, state, kind, related words) where state is
    "match", "stopword", "absent" (in no paragraph) or "miss"."""
    queries = read_tsv(os.path.join(data, f"xquad-{lang}", "queries.tsv"))
    docs = {}
    with open(os.path.join(data, f"xquad-{lang}", "docs.jsonl"),
              encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs[d["id"]] = WORD.findall(d["text"])
    qwords = {q: WORD.findall(queries[q]) for q in qrels}
    zi = os.path.join(os.path.dirname(zs), "zoek-index")
    stop = stopwords(zi, zs, lang, [w for ws in qwords.values() for w in ws],
                     work)
    hits = word_hits(zs, os.path.join(work, "idx", f"xquad-{lang}"), lang,
                     qwords, os.path.join(work, f"words-{lang}.tsv"))
    out = {}
    for q, ws in qwords.items():
        rel = qrels[q]
        res = []
        for i, w in enumerate(ws):
            h = hits.get((q, i), set())
            if rel in h:
                res.append((w, "match", None, [], len(h)))
                continue
            if w in stop:
                res.append((w, "stopword", None, [], 0))
                continue
            kind, rw = related(w, docs[rel])
            res.append((w, "absent" if not h else "miss", kind, rw, len(h)))
        out[q] = res
    return queries, out


def summary(per_lang):
    kinds = KINDS + [None]
    print("| lang | query words (no stopwords) | match the relevant "
          "paragraph | miss, paragraph has: " + " | ".join(KINDS)
          + " | no related word | questions with a related-form miss |")
    print("|---|" + "---:|" * (len(kinds) + 3))
    for lang, res in per_lang.items():
        n = m = 0
        by = dict.fromkeys(kinds, 0)
        qs = 0
        for ws in res.values():
            anyrel = False
            for w, state, kind, _, _ in ws:
                if state == "stopword":
                    continue
                n += 1
                if state == "match":
                    m += 1
                else:
                    by[kind] += 1
                    anyrel |= kind is not None
            qs += anyrel
        print(f"| {lang} | {n} | {m} ({100 * m / n:.1f}%) | "
              + " | ".join(str(by[k]) for k in kinds) + f" | {qs} |")


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/eval")
    ap.add_argument("--bin", default="build")
    ap.add_argument("--work", default="build/eval")
    ap.add_argument("--lang", default="de,nl",
                    help="languages compared with en (default de,nl)")
    ap.add_argument("--en-rank", type=int, default=1,
                    help="the English rank at most (default 1)")
    ap.add_argument("--rank", type=int, default=4,
                    help="the other language's rank at least (default 4)")
    ap.add_argument("--limit", type=int, default=20,
                    help="questions shown per language (default 20)")
    a = ap.parse_args()
    os.chdir(quality.ROOT)
    zs = os.path.join(a.bin, "zoek-search")
    qrels = {}
    with open(os.path.join(a.data, "xquad-en", "qrels.txt")) as f:
        for line in f:
            q, _, d, g = line.split()
            if int(g) > 0:
                qrels[q] = d
    langs = ["en"] + [l for l in a.lang.split(",") if l != "en"]
    rk, qtext, res = {}, {}, {}
    for l in langs:
        run = os.path.join(a.work, "runs", f"xquad-{l}.run")
        if not os.path.isfile(run):
            sys.exit(f"failures: {run} is missing; run make eval first")
        rk[l] = ranks(run, qrels)
        qtext[l], res[l] = misses(a.data, a.work, zs, l, qrels)

    print("Query words against the relevant paragraph (all questions)\n")
    summary(res)
    for l in langs[1:]:
        picked = [q for q in qrels
                  if rk["en"][q] and rk["en"][q] <= a.en_rank
                  and (rk[l][q] is None or rk[l][q] >= a.rank)]
        picked.sort(key=lambda q: -(rk[l][q] or 10000))
        print(f"\n## {l}: relevant paragraph at rank <= {a.en_rank} in en, "
              f">= {a.rank} in {l} ({len(picked)} questions, "
              f"{min(len(picked), a.limit)} shown)\n")
        for q in picked[:a.limit]:
            print(f"### {q} ({qrels[q]}): en rank {rk['en'][q]}, {l} rank "
                  f"{rk[l][q] or 'not found'}")
            print(f"- en: {qtext['en'][q]}")
            print(f"- {l}: {qtext[l][q]}")
            miss = []
            for w, state, kind, rw, nh in res[l][q]:
                if state in ("match", "stopword"):
                    continue
                where = "in no paragraph" if state == "absent" else \
                    f"in {nh} other paragraphs"
                miss.append(f"`{w}` ({where})" + (
                    f" ~ {kind}: " + ", ".join(f"`{x}`" for x in rw)
                    if kind else ""))
            print("- missed: " + ("; ".join(miss) if miss else "none"))
            print()


if __name__ == "__main__":
    main()
