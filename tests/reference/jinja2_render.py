#!/usr/bin/python3
"""Second chat-template reference: Python Jinja2 configured as Hugging Face
transformers configures it (apply_chat_template): ImmutableSandboxedEnvironment
with trim_blocks, lstrip_blocks, the loopcontrols extension, a `generation`
block tag that only renders its body (transformers' AssistantTracker),
transformers' tojson, raise_exception and strftime_now (on a fixed date).

Used where @huggingface/jinja is wrong (it cannot render some templates, and
prints lists/dicts/booleans in JavaScript spelling). Run with Debian's
/usr/bin/python3 (python3-jinja2).

stdin:  {"now": "2026-11-26", "jobs": [{"template": SOURCE | "template_file": PATH, "context": {...}}, ...]}
stdout: [{"output": TEXT} | {"error": MESSAGE, "error_kind": "raise_exception" | "python_error"}, ...]
"""
import datetime
import json
import sys

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class RaisedByTemplate(jinja2.exceptions.TemplateError):
    pass


class Generation(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}`: a call block whose result is its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def make_env(now):
    """The environment transformers' apply_chat_template renders with, clock fixed to `now`."""
    def raise_exception(message):
        raise RaisedByTemplate(message)

    def strftime_now(fmt):
        return now.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render_jobs(jobs, now="2026-11-26"):
    env = make_env(datetime.datetime.strptime(now, "%Y-%m-%d"))
    results = []
    cache = {}
    for job in jobs:
        try:
            if "template_file" in job:
                with open(job["template_file"], encoding="utf-8") as f:
                    src = f.read()
            else:
                src = job["template"]
            if src not in cache:
                cache[src] = env.from_string(src)
            results.append({"output": cache[src].render(**job.get("context", {}))})
        except RaisedByTemplate as e:
            results.append({"error": str(e), "error_kind": "raise_exception"})
        except Exception as e:  # the template cannot render this input in Python either
            results.append({"error": f"{type(e).__name__}: {e}", "error_kind": "python_error"})
    return results


def main():
    req = json.load(sys.stdin)
    json.dump(render_jobs(req["jobs"], req.get("now", "2026-11-26")), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
