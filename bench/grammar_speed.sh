#!/bin/sh
# Constrained decoding's cost, as recorded in docs/performance.md: tokens/s of
# `heft run` on a random-weight SmolLM-135M shape (Q4_0, heft synth's 49152-token
# vocabulary) free and under bench/schemas/nested-20.json, 3 runs each.
# Usage: bench/grammar_speed.sh [heft-binary] [threads]
set -eu
cd "$(dirname "$0")/.."
HEFT=${1:-build/heft}
T=${2:-$(nproc)}
M=${TMPDIR:-/tmp}/heft-bench-grammar/smollm-135m-q4_0.gguf
mkdir -p "$(dirname "$M")"
[ -f "$M" ] || "$HEFT" synth --preset smollm-135m --type Q4_0 "$M" >/dev/null
"$HEFT" inspect --system | head -3
rate() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["tokens"]), d["stop_reason"], round(d["timings"]["generation_tokens_per_second"], 1))'; }
for i in 1 2 3; do
  printf 'free:        '; "$HEFT" run "$M" -p "Here is the record:" -n 160 --ignore-eos --temp 0.8 --seed $i -t "$T" --json | rate
  printf 'json-schema: '; "$HEFT" run "$M" -p "Here is the record:" -n 400 --temp 0.8 --seed $i -t "$T" --json \
      --json-schema bench/schemas/nested-20.json | rate
done
