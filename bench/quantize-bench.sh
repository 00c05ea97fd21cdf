#!/usr/bin/env bash
# Times Corral's quantizer (ModelQuantizer) on the Qwen2.5-0.5B-shaped synthetic model and checks every
# output against llama.cpp's digest in ../shared/golden/SHA256SUMS.
#
#   bench/quantize-bench.sh [-t THREADS] [-m MODEL-STEM] [--kernels] [TYPE...]
#
# Defaults: 2 threads, model qwen2-0.5b (generated once into .build/test-cache/models, shared with the
# tests), types Q8_0 Q4_K_M. Prints wall seconds, process CPU seconds and source MB/s per type.
# --kernels also prints the single-core speed of each reference quantizer.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=2
stem=qwen2-0.5b
kernels=0
types=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) threads=$2; shift 2 ;;
    -m) stem=$2; shift 2 ;;
    --kernels) kernels=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) types+=("$1"); shift ;;
  esac
done
[ ${#types[@]} -gt 0 ] || types=(Q8_0 Q4_K_M)

source "$root/bench/lib.sh"
model=$(synthetic_model "$stem") || exit $?

out=$(mktemp -d "${TMPDIR:-/tmp}/corral-quantize-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
cd "$root"
dotnet build -c Release src/Corral.Engine -v q -nologo >/dev/null

if [ $kernels = 1 ]; then
  echo "single-core speed of each quantizer (F32 input):"
  dotnet run -c Release bench/QuantizeBench.cs -- kernels 64
  echo
fi

echo "model $stem-F16.gguf ($(( $(stat -c %s "$model") / 1000000 )) MB), $threads threads, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %8s %8s %9s  %s\n' type wall_s cpu_s MB/s sha256
status=0
while read -r name wall cpu mbps sha path; do
  expected=$(golden_digest "$stem-$name.gguf")
  if [ -z "$expected" ]; then verdict="(no golden digest)"
  elif [ "$sha" = "$expected" ]; then verdict="matches llama.cpp"
  else verdict="MISMATCH (expected $expected)"; status=1; fi
  printf '%-8s %8s %8s %9s  %s %s\n' "$name" "$wall" "$cpu" "$mbps" "${sha:0:16}" "$verdict"
done < <(dotnet run -c Release bench/QuantizeBench.cs -- file "$model" "$out" "$threads" "${types[@]}")
exit $status
