#!/usr/bin/env python3
"""Validate the French sentence-boundary gold set (stdlib only).

Usage: python3 eval/segmentation/check_gold.py [path/to/fr_gold.jsonl]

Every line must be a JSON object {"id", "source", "text", "sentences"} where
- id is a unique non-empty string,
- source is one of "written", "orangesum", "jedi",
- text is a non-empty string without line breaks,
- sentences is a non-empty list of non-empty strings with no leading or
  trailing whitespace, which are exact substrings of text, in order and
  non-overlapping, such that the only characters of text not covered by a
  sentence are whitespace *between* two sentences (none before the first
  sentence, none after the last one).
Prints the number of texts, sentences and internal boundaries
(sum of len(sentences) - 1), overall and per source. Exits 1 on any error.
"""

import json
import os
import sys

KEYS = {"id", "source", "text", "sentences"}
SOURCES = ("written", "orangesum", "jedi")


def check_row(row):
    """Return a list of error messages for one parsed line."""
    if not isinstance(row, dict):
        return ["not a JSON object"]
    if set(row) != KEYS:
        return [f"keys are {sorted(row)}, expected {sorted(KEYS)}"]
    errs = []
    if not isinstance(row["id"], str) or not row["id"]:
        errs.append("id must be a non-empty string")
    if row["source"] not in SOURCES:
        errs.append("unknown source {!r}".format(row["source"]))
    text, sents = row["text"], row["sentences"]
    if not isinstance(text, str) or not text:
        return errs + ["text must be a non-empty string"]
    if "\n" in text or "\r" in text:
        errs.append("text contains a line break")
    if not isinstance(sents, list) or not sents:
        return errs + ["sentences must be a non-empty list"]
    pos = 0
    for k, s in enumerate(sents):
        if not isinstance(s, str) or not s:
            errs.append("sentence %d is not a non-empty string" % k)
            return errs
        if s != s.strip():
            errs.append("sentence %d has leading/trailing whitespace: %r" % (k, s))
            return errs
        start = pos
        if k > 0:
            while start < len(text) and text[start].isspace():
                start += 1
        if not text.startswith(s, start):
            errs.append(
                "sentence %d does not continue the text at offset %d: "
                "expected %r, text has %r" % (k, start, s[:60], text[start : start + 60])
            )
            return errs
        pos = start + len(s)
    if pos != len(text):
        errs.append(f"text not covered after the last sentence: {text[pos : pos + 60]!r}")
    return errs


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    path = argv[1] if len(argv) > 1 else os.path.join(here, "fr_gold.jsonl")
    errors = []
    seen = set()
    stats = {s: [0, 0, 0] for s in SOURCES}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                errors.append("line %d: empty line" % lineno)
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                errors.append("line %d: invalid JSON (%s)" % (lineno, e))
                continue
            errs = check_row(row)
            rid = row.get("id") if isinstance(row, dict) else None
            if isinstance(rid, str):
                if rid in seen:
                    errs.append("duplicate id")
                seen.add(rid)
            for e in errs:
                errors.append("line %d (%s): %s" % (lineno, rid, e))
            if not errs:
                st = stats[row["source"]]
                st[0] += 1
                st[1] += len(row["sentences"])
                st[2] += len(row["sentences"]) - 1
    for e in errors:
        print("ERROR " + e)
    total = [sum(v[i] for v in stats.values()) for i in range(3)]
    print("%-10s %6s %10s %11s" % ("source", "texts", "sentences", "boundaries"))
    for s in SOURCES:
        print("%-10s %6d %10d %11d" % ((s,) + tuple(stats[s])))
    print("%-10s %6d %10d %11d" % (("total",) + tuple(total)))
    if errors:
        print("FAILED: %d error(s)" % len(errors))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
