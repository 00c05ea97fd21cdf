#!/usr/bin/env bash
# Serving benchmark (issue 6): a real `corral serve` on 127.0.0.1, the synthetic Qwen2.5-0.5B-shaped model
# quantized to Q4_K_M through /api/create, then
#   1. aggregate generated tokens/s for 1, 4 and 8 concurrent greedy streams (OLLAMA_NUM_PARALLEL slots);
#   2. time to first token of a ~1,000-token prompt, then of a second request repeating that prefix
#      (prompt prefix reuse: the second one must not recompute it).
#
#   bench/concurrency-bench.sh [-p PARALLEL] [-n TOKENS] [-t THREADS] [-q QUANT] [-r ROUNDS]
#
# Defaults: 4 slots, 64 tokens per stream, the server's default threads, Q4_K_M (-q f16 keeps the F16 file), 3 rounds
# (the median round of each stream count is kept).
# The model is generated once into .build/test-cache/models (shared with the tests) and quantized per run in
# a temporary model store by bench/concurrency-bench.mjs. Prints one line per measurement and a JSON summary.
# Not a test: numbers depend on the machine and on whatever else runs on it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
parallel=4
tokens=64
threads=""
quant=q4_K_M
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    -p) parallel=$2; shift 2 ;;
    -n) tokens=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -q) quant=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; exit 2 ;;
  esac
done

source "$root/bench/lib.sh"
model=$(synthetic_model qwen2-0.5b)

exec node "$root/bench/concurrency-bench.mjs" --model "$model" --parallel "$parallel" --tokens "$tokens" --quant "$quant" --reps "$rounds" ${threads:+--threads "$threads"}
