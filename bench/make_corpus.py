#!/usr/bin/python3
"""Assemble a benchmark corpus directory from the shared bench corpus.

  make_corpus.py SRC_DIR OUT_DIR [--mb N] [--interleave]

SRC_DIR holds {en,de,nl}.jsonl.gz and queries.tsv.  OUT_DIR receives
docs.jsonl (the decompressed articles), queries.tsv and CORPUS.json.

Default: the three files concatenated (en, de, nl).  --mb N keeps only
about N MB of title+text: each language contributes the first articles of
its file, in proportion to its file size, so a small run keeps the
language mix.  --interleave spreads the languages evenly through the file
(article i of a language of n articles sits at fraction (i + 0.5) / n), so
that any prefix of it has the whole corpus's mix (used as the source of
the scale-up corpora).  Nothing is rebuilt when CORPUS.json says the
directory already holds this selection.
"""
import argparse
import gzip
import json
import os
import shutil
import sys

LANGS = ("en", "de", "nl")


def text_bytes(line):
    d = json.loads(line)
    t = d.get("title") or ""
    return len(t.encode("utf-8")) + (1 if t else 0) + len((d.get("text") or "").encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=0)
    ap.add_argument("--interleave", action="store_true")
    a = ap.parse_args()
    srcs = [os.path.join(a.src, l + ".jsonl.gz") for l in LANGS]
    key = {"mb": a.mb, "interleave": a.interleave,
           "sources": [[p, os.path.getsize(p), int(os.path.getmtime(p))] for p in srcs]}
    info_path = os.path.join(a.out, "CORPUS.json")
    docs_path = os.path.join(a.out, "docs.jsonl")
    if os.path.exists(info_path) and os.path.exists(docs_path):
        try:
            if json.load(open(info_path)).get("key") == key:
                print("corpus up to date: %s" % docs_path, file=sys.stderr)
                return
        except ValueError:
            pass
    os.makedirs(a.out, exist_ok=True)
    total_gz = sum(os.path.getsize(p) for p in srcs)
    streams = {}
    per_lang = {}
    for lang, p in zip(LANGS, srcs):
        budget = a.mb * 1e6 * os.path.getsize(p) / total_gz if a.mb else None
        lines, used = [], 0
        with gzip.open(p, "rt", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                if budget is not None and used >= budget:
                    break
                used += text_bytes(line)
                lines.append(line if line.endswith("\n") else line + "\n")
        streams[lang] = lines
        per_lang[lang] = {"docs": len(lines), "text_bytes": used}
    tmp = docs_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        if a.interleave:
            keyed = []
            for li, lang in enumerate(LANGS):
                n = len(streams[lang])
                keyed.extend(((i + 0.5) / n, li, i) for i in range(n))
            keyed.sort()
            for _f, li, i in keyed:
                out.write(streams[LANGS[li]][i])
        else:
            for lang in LANGS:
                out.writelines(streams[lang])
    os.replace(tmp, docs_path)
    shutil.copyfile(os.path.join(a.src, "queries.tsv"), os.path.join(a.out, "queries.tsv"))
    info = {"key": key, "docs": sum(v["docs"] for v in per_lang.values()),
            "text_bytes": sum(v["text_bytes"] for v in per_lang.values()),
            "by_lang": per_lang, "docs_jsonl_bytes": os.path.getsize(docs_path)}
    with open(info_path, "w") as f:
        json.dump(info, f, indent=1)
    print("corpus: %d articles, %.1f MB of text -> %s"
          % (info["docs"], info["text_bytes"] / 1e6, docs_path), file=sys.stderr)


if __name__ == "__main__":
    main()
