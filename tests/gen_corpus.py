#!/usr/bin/env python3
"""gen_corpus.py N [SEED [FIRST]] - writes N articles as JSON Lines to stdout, built
from the sentences of corpus/ (shuffled with SEED).  Every article holds the
word "zzall" and its own marker "zzdocN", so tests can count hits exactly."""
import glob
import json
import os
import random
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
sents = {}
for path in sorted(glob.glob(os.path.join(here, "..", "corpus", "*.txt"))):
    text = open(path, encoding="utf-8").read()
    lang = "nl" if "_9e95" in path else "en" if "_1807" in path else "de"
    sents.setdefault(lang, []).extend(
        s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 3)

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
langs = sorted(sents)
for i in range(first, first + n):
    lang = langs[i % len(langs)]
    body = " ".join(rng.choice(sents[lang]) for _ in range(rng.randint(2, 30)))
    doc = {"id": "gen-%06d" % i, "lang": lang, "title": "zzdoc%d" % i,
           "text": body + " zzall."}
    print(json.dumps(doc, ensure_ascii=False))
