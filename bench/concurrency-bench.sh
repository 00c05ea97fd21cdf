#!/usr/bin/env bash
# Serving benchmark (issue 6): a real `corral serve` on 127.0.0.1, the synthetic Qwen2.5-0.5B-shaped model
# quantized to Q4_K_M through /api/create, then
#   1. aggregate generated tokens/s for 1, 4 and 8 concurrent greedy streams (OLLAMA_NUM_PARALLEL slots);
#   2. time to first token of a ~1,000-token prompt, then of a second request repeating that prefix
#      (prompt prefix reuse: the second one must not recompute it).
#
#   bench/concurrency-bench.sh [-p PARALLEL] [-n TOKENS] [-t THREADS] [-q QUANT] [--keep]
#
# Defaults: 4 slots, 64 tokens per stream, the server's default threads, Q4_K_M (-q f16 keeps the F16 file).
# The model is generated once into .build/test-cache/models (shared with the tests) and quantized per run in
# a temporary model store (--keep leaves it in place). Prints one line per measurement and a JSON summary.
# Not a test: numbers depend on the machine and on whatever else runs on it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
parallel=4
tokens=64
threads=""
quant=q4_K_M
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    -p) parallel=$2; shift 2 ;;
    -n) tokens=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -q) quant=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; exit 2 ;;
  esac
done

source "$root/bench/lib.sh"
model=$(synthetic_model qwen2-0.5b)

cd "$root"
echo "building the server ..." >&2
dotnet build -c Release src/Corral.Cli -v q -nologo >/dev/null
exe=$root/src/Corral.Cli/bin/Release/net10.0/corral.dll

store=$(mktemp -d "${TMPDIR:-/tmp}/corral-concurrency-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ $keep = 0 ]; then rm -rf "$store"; else echo "model store kept in $store" >&2; fi
}
trap cleanup EXIT

# HOME points into the temporary store so the server's key pair is not written to ~/.ollama.
HOME=$store OLLAMA_HOST=127.0.0.1:$port OLLAMA_MODELS=$store/models OLLAMA_NUM_PARALLEL=$parallel OLLAMA_CONTEXT_LENGTH=2048 \
  OLLAMA_KEEP_ALIVE=-1 dotnet "$exe" serve >"$store/server.log" 2>&1 &
server_pid=$!

python3 - "$port" "$model" "$quant" "$parallel" "$tokens" "$threads" <<'PY' || { echo "--- server log (tail)" >&2; tail -n 20 "$store/server.log" >&2; exit 1; }
import hashlib, json, sys, threading, time, urllib.error, urllib.request

port, model_path, quant, parallel, tokens, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
base = f"http://127.0.0.1:{port}"

def post(path, body, timeout=3600):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path}: {e.code} {e.read().decode(errors='replace')}")

for _ in range(600):
    try:
        urllib.request.urlopen(base + "/api/version", timeout=1).read()
        break
    except Exception:
        time.sleep(0.1)
else:
    sys.exit("server did not start; see server.log")

# Import the F16 file and quantize it server-side (/api/blobs + /api/create with quantize).
t0 = time.time()
h = hashlib.sha256()
with open(model_path, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 24), b""):
        h.update(chunk)
digest = "sha256:" + h.hexdigest()
with open(model_path, "rb") as f:
    req = urllib.request.Request(f"{base}/api/blobs/{digest}", data=f, method="POST", headers={"Content-Length": str(__import__("os").path.getsize(model_path))})
    urllib.request.urlopen(req, timeout=3600).read()
create = {"model": "bench", "files": {"qwen2-0.5b-F16.gguf": digest}, "stream": False}
if quant.lower() != "f16":
    create["quantize"] = quant
r = json.load(post("/api/create", create))
assert r.get("status") == "success", r
print(f"import{'' if quant.lower() == 'f16' else ' + quantize to ' + quant}: {time.time() - t0:.1f} s", file=sys.stderr)

options = {"temperature": 0, "num_predict": tokens}
if threads:
    options["num_thread"] = int(threads)

def stream(prompt, opts, result):
    """One streamed generate: records time to first token, eval_count and timings."""
    start = time.time()
    first = None
    with post("/api/generate", {"model": "bench", "prompt": prompt, "raw": True, "options": opts}) as resp:
        for line in resp:
            obj = json.loads(line)
            if "error" in obj:
                raise RuntimeError(obj["error"])
            if first is None and (obj.get("response") or obj.get("done")):
                first = time.time() - start
            if obj.get("done"):
                result.update(obj)
    result["ttft"] = first
    result["wall"] = time.time() - start

# Load the model (and warm it up) before measuring.
stream("Hello", dict(options, num_predict=4), {})

prompts = [f"Story number {i}: once upon a time, in a land far away," for i in range(8)]
summary = {"parallel_slots": parallel, "tokens_per_stream": tokens, "quant": quant, "streams": {}}
for n in (1, 4, 8):
    results = [dict() for _ in range(n)]
    workers = [threading.Thread(target=stream, args=(prompts[i], options, results[i])) for i in range(n)]
    t0 = time.time()
    for w in workers: w.start()
    for w in workers: w.join()
    wall = time.time() - t0
    generated = sum(r.get("eval_count", 0) for r in results)
    agg = generated / wall
    summary["streams"][n] = {"generated": generated, "wall_s": round(wall, 2), "aggregate_tok_s": round(agg, 2),
                             "mean_ttft_s": round(sum(r["ttft"] for r in results) / n, 3)}
    print(f"{n} stream(s) on {parallel} slot(s): {generated} tokens in {wall:.2f} s = {agg:.2f} tok/s aggregate", file=sys.stderr)
single = summary["streams"][1]["aggregate_tok_s"]
summary["speedup_4"] = round(summary["streams"][4]["aggregate_tok_s"] / single, 2)
summary["speedup_8"] = round(summary["streams"][8]["aggregate_tok_s"] / single, 2)

# Prefix reuse: ~1,000-token prompt, then the same prefix with a different ending.
prefix = " ".join(f"Line {i} of the shared system prompt says the same thing again." for i in range(80))
first, second = {}, {}
stream(prefix + " Question one?", dict(options, num_predict=1), first)
stream(prefix + " Question two?", dict(options, num_predict=1), second)
summary["prefix"] = {"prompt_tokens": first["prompt_eval_count"], "ttft_first_s": round(first["ttft"], 3),
                     "ttft_second_s": round(second["ttft"], 3), "second_evaluated": second["prompt_eval_count"],
                     "ratio": round(second["ttft"] / first["ttft"], 3)}
print(f"prefix of {first['prompt_eval_count']} tokens: TTFT {first['ttft']:.3f} s, repeated prefix {second['ttft']:.3f} s "
      f"({100 * second['ttft'] / first['ttft']:.1f} %)", file=sys.stderr)
print(json.dumps(summary))
PY
