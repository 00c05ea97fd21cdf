#!/usr/bin/env node
// Corral beside llama.cpp on the same GGUF file, same thread count, same run.
//
//   node bench/side-by-side.mjs --model FILE.gguf [--threads 2] [--prompt 512] [--gen 128] [--reps 3] [--parallel 1] [--skip-peer 1]
//
// Corral is measured through its API (prompt_eval_count/_duration and eval_count/_duration of /api/generate);
// llama.cpp through ../shared/tools/peer-bench.mjs (node-llama-cpp, installed on first use into ~/.cache/peer-bench).
// The two engines take turns, one repetition each, so both see the same load on a shared machine; the 1-minute load
// average is recorded beside every measurement. Prints one JSON line per measurement, then one line per engine with
// the medians, then the ratios. For Corral it also reports the cold load to first token (model evicted, file in page
// cache) and the server's resident memory against the model's size in /api/ps (file + KV cache).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root, startCorral, median, loadAvg, log, parseArgs } from "./corral-server.mjs";

const args = parseArgs();
if (!args.model) { console.error("usage: side-by-side.mjs --model FILE [--threads N] [--prompt N] [--gen N] [--reps N]"); process.exit(2); }
const modelPath = path.resolve(args.model);
const threads = +(args.threads ?? 2), nPrompt = +(args.prompt ?? 512), nGen = +(args.gen ?? 128), reps = +(args.reps ?? 3);
const skipPeer = args["skip-peer"] === "1";

function ensurePeer() {
  const dir = path.join(os.homedir(), ".cache/peer-bench");
  if (fs.existsSync(path.join(dir, "node_modules/node-llama-cpp"))) return;
  console.error("installing node-llama-cpp into ~/.cache/peer-bench (once, ~85 MB)...");
  const r = spawnSync("npm", ["install", "--prefix", dir, "--omit=optional", "--no-audit", "--no-fund",
    "node-llama-cpp@3.22.1", "@node-llama-cpp/linux-x64@3.22.1"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install of node-llama-cpp failed");
}

function peerOnce() {
  const load = loadAvg();
  const r = spawnSync("node", [path.join(root, "../shared/tools/peer-bench.mjs"), "--model", modelPath, "--threads", String(threads),
    "--prompt", String(nPrompt), "--gen", String(nGen), "--reps", "1"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("peer-bench failed: " + r.stderr);
  const p = JSON.parse(r.stdout.trim().split("\n").pop());
  return { pp_tps: p.pp_tps, tg_tps: p.tg_tps, load };
}

const options = { temperature: 0, num_thread: threads, num_ctx: nPrompt + nGen + 64, num_batch: nPrompt };
const server = await startCorral(modelPath, { OLLAMA_NUM_PARALLEL: args.parallel ?? "1" });
const corral = {
  ...server,
  generate: (prompt, numPredict) => server.generate({ prompt, raw: true, options: { ...options, num_predict: numPredict } }),
};

const phrase = "The quick brown fox jumps over the lazy dog while the farmer counts his sheep. ";
try {
  // Cold load to first token: the first request loads the model (file in page cache after the upload).
  const t0 = performance.now();
  const first = await corral.generate("Hello", 1);
  const coldFirstToken = (performance.now() - t0) / 1000;
  log({ engine: "corral", cold_first_token_s: +coldFirstToken.toFixed(3), load_duration_s: +(first.load_duration / 1e9).toFixed(3), load: loadAvg() });

  // Calibrate the repeat count so the prompt is about nPrompt tokens.
  let repeat = Math.max(1, Math.round(nPrompt / 18));
  for (let i = 0; i < 4; i++) {
    const out = await corral.generate(`Calibration ${i}: ` + phrase.repeat(repeat), 1);
    // At most 4× per step: a model whose context is shorter than nPrompt truncates the prompt, and unbounded growth
    // would hand the tokenizer megabytes of text (and inflate the resident-memory reading).
    repeat = Math.max(1, Math.min(4 * repeat, Math.round(repeat * nPrompt / out.prompt_eval_count)));
  }
  if (!skipPeer) ensurePeer();
  const mine = [], theirs = [];
  for (let rep = 0; rep < reps; rep++) {
    const load = loadAvg();
    // A distinct first word per run defeats the prefix cache, so every run evaluates its whole prompt.
    const out = await corral.generate(`Run ${rep} ${Date.now()}: ` + phrase.repeat(repeat), nGen);
    const c = { engine: "corral", rep, prompt: out.prompt_eval_count, gen: out.eval_count,
      pp_tps: +(out.prompt_eval_count / (out.prompt_eval_duration / 1e9)).toFixed(2), tg_tps: +(out.eval_count / (out.eval_duration / 1e9)).toFixed(2), load };
    mine.push(c);
    log(c);
    if (!skipPeer) {
      const p = { engine: "llama.cpp", rep, ...peerOnce() };
      theirs.push(p);
      log(p);
    }
  }
  const rss = corral.rssMb(), size = await corral.psSizeMb();
  const summary = (engine, xs) => ({ engine, model: path.basename(modelPath), threads, prompt: nPrompt, gen: nGen, reps,
    pp_tps: median(xs.map(x => x.pp_tps)), tg_tps: median(xs.map(x => x.tg_tps)), load_avg: median(xs.map(x => x.load)) });
  const fileMb = Math.round(fs.statSync(modelPath).size / 1048576);
  const ours = summary("corral", mine);
  log({ ...ours, cold_first_token_s: +coldFirstToken.toFixed(3), rss_mb: rss, file_mb: fileMb, ps_size_mb: size,
    rss_over_size_mb: size == null ? null : rss - size });
  if (!skipPeer) {
    const s = summary("llama.cpp", theirs);
    log(s);
    log({ ratio: "corral/llama.cpp", model: path.basename(modelPath), threads,
      pp: +(ours.pp_tps / s.pp_tps).toFixed(3), tg: +(ours.tg_tps / s.tg_tps).toFixed(3) });
  }
} finally {
  corral.stop();
}
