#!/bin/sh
# Tokenizer speed as recorded in docs/performance.md: builds bench_tokenizer
# (Google Benchmark) in build-bench/ and runs it, then times the CLI end to
# end on the same 1 MB input. Usage: bench/tokenizer_speed.sh [build-dir]
set -eu
cd "$(dirname "$0")/.."
B=${1:-build-bench}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEFT_BENCH=ON >/dev/null
ninja -C "$B" bench_tokenizer heft >/dev/null
"$B/heft" inspect --system
"$B/bench/bench_tokenizer" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
# End to end: process start, loading the 6 MB tokenizer.json, 1 MB of text
# (the input bench_tokenizer wrote).
T=${TMPDIR:-/tmp}/heft-bench-tokenizer
for i in 1 2 3; do
  /usr/bin/time -f "heft tokenize llama3 --file 1MB --ids: %e s wall, %U s user" \
    "$B/heft" tokenize ../shared/tokenizers/llama3 --file "$T/text.txt" --ids >/dev/null
done
