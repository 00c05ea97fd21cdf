#!/usr/bin/env node
// Corral beside llama.cpp on the same GGUF file, same thread count, same run.
//
//   node bench/side-by-side.mjs --model FILE.gguf [--threads 2] [--prompt 512] [--gen 128] [--reps 3] [--parallel 1]
//
// Corral is measured through its API (prompt_eval_count/_duration and eval_count/_duration of
// /api/generate); llama.cpp through ../shared/tools/peer-bench.mjs (node-llama-cpp, installed on first use
// into ~/.cache/peer-bench). Prints one JSON line per engine and a ratio line. Medians over reps.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));
if (!args.model) { console.error("usage: side-by-side.mjs --model FILE [--threads N] [--prompt N] [--gen N] [--reps N]"); process.exit(2); }
const modelPath = path.resolve(args.model);
const threads = +(args.threads ?? 2), nPrompt = +(args.prompt ?? 512), nGen = +(args.gen ?? 128), reps = +(args.reps ?? 3);
const skipPeer = args["skip-peer"] === "1";
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function ensurePeer() {
  const dir = path.join(os.homedir(), ".cache/peer-bench");
  if (fs.existsSync(path.join(dir, "node_modules/node-llama-cpp"))) return;
  console.error("installing node-llama-cpp into ~/.cache/peer-bench (once, ~85 MB)...");
  const r = spawnSync("npm", ["install", "--prefix", dir, "--omit=optional", "--no-audit", "--no-fund",
    "node-llama-cpp@3.22.1", "@node-llama-cpp/linux-x64@3.22.1"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install of node-llama-cpp failed");
}

function freePort() {
  return new Promise(resolve => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

async function corral() {
  // Build (if needed) once up front so the build does not count as load time.
  const build = spawnSync(path.join(root, "corral"), ["--version"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("building corral failed");
  const port = await freePort();
  const models = fs.mkdtempSync(path.join(os.tmpdir(), "corral-bench-"));
  const env = { ...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models, OLLAMA_NUM_PARALLEL: args.parallel ?? "1", OLLAMA_KEEP_ALIVE: "-1" };
  const server = spawn(path.join(root, ".build/corral/corral"), ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(base + "/")).ok) break; } catch {}
      if (i > 600) throw new Error("corral did not start");
      await new Promise(r => setTimeout(r, 100));
    }
    const bytes = fs.readFileSync(modelPath);
    const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    let r = await fetch(`${base}/api/blobs/${digest}`, { method: "POST", body: bytes });
    if (!r.ok) throw new Error("blob upload: " + await r.text());
    r = await fetch(`${base}/api/create`, { method: "POST", body: JSON.stringify({ model: "bench", files: { [path.basename(modelPath)]: digest }, stream: false }) });
    if (!r.ok) throw new Error("create: " + await r.text());
    const phrase = "The quick brown fox jumps over the lazy dog while the farmer counts his sheep. ";
    const generate = async (prompt, numPredict) => {
      const res = await fetch(`${base}/api/generate`, { method: "POST", body: JSON.stringify({
        model: "bench", prompt, raw: true, stream: false,
        options: { temperature: 0, num_predict: numPredict, num_thread: threads, num_ctx: nPrompt + nGen + 64, num_batch: nPrompt } }) });
      if (!res.ok) throw new Error("generate: " + await res.text());
      return res.json();
    };
    // Calibrate the repeat count so the prompt is about nPrompt tokens (also loads the model).
    let repeat = Math.max(1, Math.round(nPrompt / 18));
    for (let i = 0; i < 4; i++) {
      const out = await generate(`Calibration ${i}: ` + phrase.repeat(repeat), 1);
      repeat = Math.max(1, Math.round(repeat * nPrompt / out.prompt_eval_count));
    }
    const pp = [], tg = [], counts = [];
    for (let rep = 0; rep < reps; rep++) {
      // A distinct first word per run defeats the prefix cache, so every run evaluates its whole prompt.
      const out = await generate(`Run ${rep} ${Date.now()}: ` + phrase.repeat(repeat), nGen);
      pp.push(out.prompt_eval_count / (out.prompt_eval_duration / 1e9));
      tg.push(out.eval_count / (out.eval_duration / 1e9));
      counts.push([out.prompt_eval_count, out.eval_count]);
    }
    return { engine: "corral", model: path.basename(modelPath), threads, prompt: median(counts.map(c => c[0])), gen: median(counts.map(c => c[1])), reps,
      pp_tps: +median(pp).toFixed(2), tg_tps: +median(tg).toFixed(2) };
  } finally {
    server.kill("SIGTERM");
    fs.rmSync(models, { recursive: true, force: true });
  }
}

const c = await corral();
console.log(JSON.stringify(c));
if (!skipPeer) {
  ensurePeer();
  const r = spawnSync("node", [path.join(root, "../shared/tools/peer-bench.mjs"), "--model", modelPath, "--threads", String(threads),
    "--prompt", String(nPrompt), "--gen", String(nGen), "--reps", String(reps)], { encoding: "utf8" });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  const p = JSON.parse(r.stdout.trim().split("\n").pop());
  console.log(JSON.stringify(p));
  console.log(JSON.stringify({ ratio: "corral/llama.cpp", model: path.basename(modelPath), threads,
    pp: +(c.pp_tps / p.pp_tps).toFixed(3), tg: +(c.tg_tps / p.tg_tps).toFixed(3) }));
}
