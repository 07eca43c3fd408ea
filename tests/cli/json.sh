#!/bin/sh
# json.sh - zoek-search --format json against its specification: the field
# tables of docs/JSON.md are read and every object of real output (single
# queries, --docs, --offset, --explain, a stream with a failed query and a
# query without hits) must have exactly the documented fields, of the
# documented types, with "v": 1; plus what the values promise (ranks,
# order, byte ranges, highlights, summaries, explain sums).  The examples in
# docs/JSON.md are checked too.
. tests/cli/lib.sh
expect_status 0 "$ZI" -q -d "$T/idx" corpus
S() { "$ZS" -d "$T/idx" --format json "$@"; }
: >"$T/all"
run() {  # CASE ARGS...: appends "CASE<TAB>json line" for each output line
    c=$1
    shift
    S "$@" >"$T/o" 2>/dev/null
    sed "s/^/$c\t/" "$T/o" >>"$T/all"
}
run one -n 5 "export chips"
run docs --docs -n 3 "Handelsbeschränkungen Singapur"
run offset -n 4 --offset 3 "chips China"
run explain --explain -n 6 "smokkel chips Maleisië Nvidia"
run explaindocs --explain --docs -n 5 "Exportkontrollen chips chips"
run none "xylofoonzzz"
python3 -c 'print("chips"); print(); print(" ".join("w%d" % i for i in range(5000))); print("xylofoonzzz"); print("\"H800 chips\" +Nvidia")' >"$T/q"
run stream -n 3 - <"$T/q"
printf 'a\tsmokkel\nb\tKI-Chips\n' >"$T/q.tsv"
run queries -n 2 --queries "$T/q.tsv"
# the examples of docs/JSON.md
sed -n 's/^    \({"v".*}\)$/doc\t\1/p' docs/JSON.md >>"$T/all"

python3 - docs/JSON.md "$T/all" <<'PY' && ok || bad "JSON output does not follow docs/JSON.md"
import json, re, sys

# --- the specification: field tables under "## `type`" headings
spec, cur = {}, None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"#+ `(\w+)`\s*$", line) or re.match(r"#+ (explain) entries", line)
    if m:
        cur = spec.setdefault(m.group(1), {})
        continue
    if line.startswith("#"):
        cur = None
    m = re.match(r"\| `(\w+)` \| ([^|]+) \| (\w+) \|", line)
    if m and cur is not None:
        cur[m.group(1)] = (m.group(2).strip(), m.group(3))
assert set(spec) == {"hit", "summary", "error", "explain"}, sorted(spec)
assert spec["hit"]["explain"] == ("array of explain entries", "explain"), spec["hit"]

def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)

def typed(x, t):
    if t == "integer": return is_int(x)
    if t == "number": return is_int(x) or isinstance(x, float)
    if t == "string": return isinstance(x, str)
    if t == "boolean": return isinstance(x, bool)
    if t == "string or null": return x is None or isinstance(x, str)
    if t == "array of [integer, integer]":
        return isinstance(x, list) and all(
            isinstance(p, list) and len(p) == 2 and all(map(is_int, p)) for p in x)
    if t == "array of explain entries":
        return isinstance(x, list) and all(isinstance(e, dict) for e in x)
    raise AssertionError("unknown type in docs/JSON.md: " + t)

def conforms(o, fields, stream, explain, where):
    for k in o:
        assert k in fields, "%s: field %r is not documented" % (where, k)
    for k, (t, presence) in fields.items():
        want = {"always": True, "stream": stream, "explain": explain}[presence]
        assert (k in o) == want, "%s: %r present=%s, documented %s" % (where, k, k in o, presence)
        if k in o:
            assert typed(o[k], t), "%s: %r = %r is not %s" % (where, k, o[k], t)

cases = {}
for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
    case, text = line.rstrip("\n").split("\t", 1)
    o = json.loads(text)
    assert isinstance(o, dict), text
    where = "%s line %d" % (case, n)
    assert o.get("v") == 1, where
    assert o.get("type") in spec and o["type"] != "explain", where
    stream = case in ("stream", "queries") or (case == "doc" and "qid" in o)
    explain = case.startswith("explain") or (case == "doc" and "explain" in o)
    conforms(o, spec[o["type"]], stream, explain and o["type"] == "hit", where)
    for i, e in enumerate(o.get("explain", [])):
        conforms(e, spec["explain"], False, False, "%s explain %d" % (where, i))
    cases.setdefault(case, []).append(o)

def queries(objs):
    """Splits a case's objects into queries: hits, then summary or error."""
    out, cur = [], []
    for o in objs:
        cur.append(o)
        if o["type"] != "hit":
            out.append(cur)
            cur = []
    assert not cur, "hits without a summary"
    return out

for case, objs in cases.items():
    offset = 3 if case == "offset" else 0
    for q in queries(objs):
        end, hits = q[-1], q[:-1]
        assert all(h["query"] == end["query"] and h.get("qid") == end.get("qid") for h in hits)
        if end["type"] == "error":
            assert end["message"], end
            continue
        assert end["hits"] == len(hits), (case, end)
        assert end["matches"] >= len(hits) and end["took_ms"] >= 0, end
        last = None
        docs = set()
        for i, h in enumerate(hits):
            assert h["rank"] == offset + i + 1, (case, h["rank"])
            assert h["score"] > 0 and (last is None or h["score"] <= last), case
            last = h["score"]
            assert h["lang"] in ("en", "de", "nl") and h["passage"] >= 0
            assert 0 <= h["start"] < h["end"], h
            snip = h["snippet"].encode("utf-8")
            prev = 0
            for a, b in h["highlights"]:
                assert prev <= a < b <= len(snip), (h["highlights"], len(snip))
                snip[a:b].decode("utf-8")  # whole characters
                prev = b
            if case.startswith("docs") or case == "explaindocs":
                assert h["doc"] not in docs, "--docs repeated an article"
                docs.add(h["doc"])
            if "explain" in h:
                assert h["explain"], h
                total = sum(e["score"] for e in h["explain"])
                assert abs(total - h["score"]) < 1e-5 * max(1, len(h["explain"])), (total, h["score"])
                for e in h["explain"]:
                    assert e["tf"] >= 1 and e["df"] >= 1 and e["dl"] >= 1 and e["idf"] > 0, e
                    assert e["lang"] in (None, "en", "de", "nl"), e

# what each case must have produced
st = queries(cases["stream"])
assert [q[-1]["qid"] for q in st] == ["1", "3", "4", "5"], [q[-1].get("qid") for q in st]
assert [q[-1]["type"] for q in st] == ["summary", "error", "summary", "summary"]
assert st[2][-1]["hits"] == 0 and len(st[0]) == 4
assert [q[-1]["qid"] for q in queries(cases["queries"])] == ["a", "b"]
assert cases["none"] == [cases["none"][0]] and cases["none"][0]["hits"] == 0
assert any(e["qtf"] == 2 for h in cases["explaindocs"] for e in h.get("explain", []))
for c in ("one", "docs", "offset", "explain", "explaindocs", "doc"):
    assert any(o["type"] == "hit" for o in cases[c]), c
PY
# the same query gives the same hits as text output
S -n 5 "export chips" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["type"] == "hit":
        print(o["doc"])' >"$T/a"
"$ZS" -d "$T/idx" -n 5 --fields id "export chips" | cmp -s - "$T/a" && ok || bad "JSON and text list other hits"
finish
