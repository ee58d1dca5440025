#!/bin/sh
# Constrained decoding's cost, as recorded in docs/performance.md: tokens/s of
# `heft run` on a random-weight SmolLM-135M shape (Q4_0, heft synth's 49152-token
# vocabulary) free for 500 tokens and under bench/schemas/nested-20.json (which
# a random model completes in about 450-550 tokens), 3 runs each, and the time
# spent in the grammar (masks and steps). Usage: bench/grammar_speed.sh [heft] [threads]
set -eu
cd "$(dirname "$0")/.."
HEFT=${1:-build/heft}
T=${2:-$(nproc)}
M=${TMPDIR:-/tmp}/heft-bench-grammar/smollm-135m-q4_0.gguf
mkdir -p "$(dirname "$M")"
[ -f "$M" ] || "$HEFT" synth --preset smollm-135m --type Q4_0 "$M" >/dev/null
"$HEFT" inspect --system | head -3
rate() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["timings"]; g=t.get("grammar_ms")
print(len(d["tokens"]), "tokens", d["stop_reason"], round(t["generation_tokens_per_second"], 1), "tokens/s",
      "" if g is None else "grammar %.1f ms (%.3f ms/token)" % (g, g / len(d["tokens"])))'
}
for i in 1 2 3; do
  printf 'free:        '; "$HEFT" run "$M" -p "Here is the record:" -n 500 --ignore-eos --temp 0.8 --seed $i -t "$T" --json | rate
  printf 'json-schema: '; "$HEFT" run "$M" -p "Here is the record:" -n 1500 --temp 0.8 --seed $i -t "$T" --json \
      --json-schema bench/schemas/nested-20.json | rate
done
