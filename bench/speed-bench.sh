#!/usr/bin/env bash
# Issue 5's speed table: Corral beside llama.cpp (node-llama-cpp, ../shared/tools/peer-bench.mjs) on the same
# file, the same thread count, in the same run, for prompt 512 / generate 128 on the synthetic qwen2-0.5b
# Q4_K_M and Q8_0 and llama-1b Q4_K_M. Each model is made once under .build (synthetic F16, then quantized
# by Corral, bit-identical to llama.cpp's where a golden digest exists).
#
#   bench/speed-bench.sh [-t THREADS] [-r REPS] [MODEL-TYPE ...]     e.g. bench/speed-bench.sh qwen2-0.5b-Q8_0
#
# Prints bench/side-by-side.mjs's JSON lines for each model and then a table of medians and ratios.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
threads=2
reps=3
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) threads=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(qwen2-0.5b-Q4_K_M qwen2-0.5b-Q8_0 llama-1b-Q4_K_M)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $threads threads, $reps repetitions" >&2
for target in "${targets[@]}"; do
  stem=${target%-*}; type=${target##*-}
  model=$(quantized_model "$stem" "$type")
  node "$bench_root/bench/side-by-side.mjs" --model "$model" --threads "$threads" --prompt 512 --gen 128 --reps "$reps" | tee -a "$results"
done

node - "$results" <<'JS'
const lines = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").map(l => JSON.parse(l));
const row = (cells) => "| " + cells.join(" | ") + " |";
console.log(row(["model", "corral pp tok/s", "llama.cpp pp tok/s", "pp ratio", "corral tg tok/s", "llama.cpp tg tok/s", "tg ratio", "load avg", "cold first token s", "RSS − (file+KV) MB"]));
console.log(row(Array(10).fill("---")));
for (const r of lines.filter(l => l.ratio)) {
  const c = lines.find(l => l.engine === "corral" && l.model === r.model && l.reps);
  const p = lines.find(l => l.engine === "llama.cpp" && l.model === r.model && l.reps);
  console.log(row([r.model, c.pp_tps, p.pp_tps, r.pp, c.tg_tps, p.tg_tps, r.tg, `${c.load_avg}/${p.load_avg}`, c.cold_first_token_s, c.rss_over_size_mb]));
}
JS
