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
shared=${CORRAL_SHARED:-$root/../shared}
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

digest_of() { awk -v f="$1" '$2 == f { print $1 }' "$shared/golden/SHA256SUMS"; }

case "$stem" in
  qwen2-0.5b|qwen2-tiny|qwen3-tiny) vocab=vocab/ggml-vocab-qwen2.gguf ;;
  llama-tiny|gemma2-tiny|gemma3-tiny) vocab=models/stories260K.gguf ;;
  llama3-tiny) vocab=vocab/ggml-vocab-llama-bpe.gguf ;;
  phi3-tiny) vocab=vocab/ggml-vocab-phi-3.gguf ;;
  *) echo "unknown model stem '$stem'" >&2; exit 2 ;;
esac

models=$root/.build/test-cache/models
model=$models/$stem-F16.gguf
want=$(digest_of "$stem-F16.gguf")
mkdir -p "$models"
# Same stamp format as tests/Shared/SyntheticModels.cs ("<sha256> <size>"), so tests and this script share the file.
if [ ! -f "$model" ] || [ "$(cut -d' ' -f1 "$model.sha256" 2>/dev/null)" != "$want" ]; then
  echo "generating $stem-F16.gguf ..." >&2
  tmp=$model.$$.tmp
  python3 "$shared/tools/synth_gguf.py" --shape "$stem" --vocab-from "$shared/$vocab" "$tmp" >&2
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then rm -f "$tmp"; echo "generated model sha256 $got, expected $want" >&2; exit 1; fi
  mv "$tmp" "$model"
  echo "$want $(stat -c %s "$model")" > "$model.sha256"
fi

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
  expected=$(digest_of "$stem-$name.gguf")
  if [ -z "$expected" ]; then verdict="(no golden digest)"
  elif [ "$sha" = "$expected" ]; then verdict="matches llama.cpp"
  else verdict="MISMATCH (expected $expected)"; status=1; fi
  printf '%-8s %8s %8s %9s  %s %s\n' "$name" "$wall" "$cpu" "$mbps" "${sha:0:16}" "$verdict"
done < <(dotnet run -c Release bench/QuantizeBench.cs -- file "$model" "$out" "$threads" "${types[@]}")
exit $status
