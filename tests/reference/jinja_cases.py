#!/usr/bin/python3
"""Checks tests/jinja/cases.json against Python Jinja2 (configured as
transformers does, see jinja2_render.py): every case's "output" must be what
Python renders, every "error" case must fail in Python too. With --update,
writes Python's outputs into the file instead (after adding or editing cases).

Run with Debian's /usr/bin/python3 (python3-jinja2 3.1.2).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja2_render import render_jobs  # noqa: E402

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jinja", "cases.json")


def main():
    update = "--update" in sys.argv
    with open(CASES, encoding="utf-8") as f:
        cases = json.load(f)
    results = render_jobs([{"template": c["template"], "context": c.get("context", {})} for c in cases])
    failures = 0
    for c, r in zip(cases, results):
        if "error" in c:
            if "output" in r:
                print(f"FAIL {c['name']}: Python renders {r['output']!r} but the case expects an error")
                failures += 1
            continue
        if "output" not in r:
            print(f"FAIL {c['name']}: Python fails: {r['error']}")
            failures += 1
        elif update:
            c["output"] = r["output"]
        elif c.get("output") != r["output"]:
            print(f"FAIL {c['name']}: Python renders {r['output']!r}, the case says {c.get('output')!r}")
            failures += 1
    if update and not failures:
        with open(CASES, "w", encoding="utf-8") as f:
            json.dump(cases, f, indent=1, ensure_ascii=False)
            f.write("\n")
    print(f"jinja cases: {len(cases) - failures} agree with Python Jinja2, {failures} do not")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
