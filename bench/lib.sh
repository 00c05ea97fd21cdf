# Shared by the bench scripts (source it): where the synthetic models live and how they are made.
#   synthetic_model STEM           → path of STEM-F16.gguf, generated once by ../shared/tools/synth_gguf.py
#   quantized_model STEM TYPE [T]  → path of STEM-TYPE.gguf, quantized once by Corral (T threads)
# Files live under .build (ignored by git). The F16 files share .build/test-cache/models and its stamp format
# ("<sha256> <size>" beside the file) with tests/Shared/SyntheticModels.cs; where ../shared/golden/SHA256SUMS
# knows a file, the generated or quantized bytes must match llama.cpp's digest.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_shared=${CORRAL_SHARED:-$bench_root/../shared}

golden_digest() { awk -v f="$1" '$2 == f { print $1 }' "$bench_shared/golden/SHA256SUMS"; }

synthetic_vocab() {
  case "$1" in
    qwen2-0.5b|qwen2-tiny|qwen3-tiny) echo vocab/ggml-vocab-qwen2.gguf ;;
    llama-1b|llama3-tiny) echo vocab/ggml-vocab-llama-bpe.gguf ;;
    llama-tiny|llama-small|gemma2-tiny|gemma3-tiny) echo models/stories260K.gguf ;;
    phi3-tiny) echo vocab/ggml-vocab-phi-3.gguf ;;
    *) echo "unknown model stem '$1'" >&2; return 2 ;;
  esac
}

synthetic_model() {
  local stem=$1 dir=$bench_root/.build/test-cache/models
  local model=$dir/$stem-F16.gguf want vocab
  want=$(golden_digest "$stem-F16.gguf")
  vocab=$(synthetic_vocab "$stem") || return 2
  mkdir -p "$dir"
  if [ ! -f "$model.sha256" ] || [ ! -f "$model" ] || { [ -n "$want" ] && [ "$(cut -d' ' -f1 "$model.sha256")" != "$want" ]; } \
     || [ "$(cut -d' ' -f2 "$model.sha256")" != "$(stat -c %s "$model")" ]; then
    echo "generating $stem-F16.gguf (once) ..." >&2
    local tmp=$model.$$.tmp got
    python3 "$bench_shared/tools/synth_gguf.py" --shape "$stem" --vocab-from "$bench_shared/$vocab" "$tmp" >&2
    got=$(sha256sum "$tmp" | cut -d' ' -f1)
    if [ -n "$want" ] && [ "$got" != "$want" ]; then rm -f "$tmp"; echo "generated $stem sha256 $got, expected $want" >&2; return 1; fi
    mv "$tmp" "$model"
    echo "$got $(stat -c %s "$model")" > "$model.sha256"
  fi
  echo "$model"
}

quantized_model() {
  local stem=$1 type=$2 threads=${3:-2} dir=$bench_root/.build/bench-models
  local out=$dir/$stem-$type.gguf source want
  if [ ! -f "$out" ]; then
    source=$(synthetic_model "$stem") || return 1
    echo "quantizing $stem to $type (once) ..." >&2
    mkdir -p "$dir"
    (cd "$bench_root" && dotnet run -c Release bench/QuantizeBench.cs -- file "$source" "$dir.tmp.$$" "$threads" "$type" >&2) || return 1
    mv "$dir.tmp.$$/$stem-$type.gguf" "$out"
    rmdir "$dir.tmp.$$"
  fi
  want=$(golden_digest "$stem-$type.gguf")
  # Hashed once per file: the stamp ("<sha256> <size>") is trusted while the size matches.
  if [ ! -f "$out.sha256" ] || [ "$(cut -d' ' -f2 "$out.sha256")" != "$(stat -c %s "$out")" ]; then
    echo "$(sha256sum "$out" | cut -d' ' -f1) $(stat -c %s "$out")" > "$out.sha256"
  fi
  if [ -n "$want" ] && [ "$(cut -d' ' -f1 "$out.sha256")" != "$want" ]; then
    echo "$out does not match llama.cpp's digest $want; delete it to quantize again" >&2; return 1
  fi
  echo "$out"
}
