#!/usr/bin/env node
// Re-runs llama.cpp (node-llama-cpp, the reference engine of ../shared) greedily on golden cases and reports
// where llama.cpp itself, on this machine, departs from ../shared/golden — the steps no engine can be
// expected to reproduce here. Used as the evidence behind Corral.Testing.Golden.KnownReferenceDivergences.
//
//   node bench/golden-reference-check.mjs ../shared/models/llama-tiny-Q5_0.gguf ../shared/golden/llama-tiny-Q5_0.json
import { createRequire } from "node:module";
import os from "node:os"; import path from "node:path"; import fs from "node:fs";
const roots = [process.env.NODE_PATH, path.join(os.homedir(), ".cache/peer-bench/node_modules")].filter(Boolean);
let mod;
for (const r of roots) { try { mod = await import(createRequire(path.join(r, "x.js")).resolve("node-llama-cpp")); break; } catch {} }
if (!mod) { console.error("node-llama-cpp not found; run bench/side-by-side.mjs once (it installs it)"); process.exit(3); }
const [modelFile, goldenFile, threads] = process.argv.slice(2);
const goldens = JSON.parse(fs.readFileSync(goldenFile, "utf8"));
const llama = await mod.getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: modelFile });
for (const golden of goldens) {
  const ctx = await model.createContext({ contextSize: 512, batchSize: 512, threads: +(threads ?? 2) });
  const seq = ctx.getSequence();
  const out = [];
  for await (const t of seq.evaluate(golden.prompt_tokens, { temperature: 0 })) { out.push(t); if (out.length >= golden.generated.length) break; }
  const i = golden.generated.findIndex((g, k) => out[k] !== g);
  const gap = i >= 0 ? (golden.top_logits[i][0][1] - golden.top_logits[i][1][1]).toFixed(4) : null;
  console.log(JSON.stringify({ golden: path.basename(goldenFile), prompt: golden.prompt, reproduced: i < 0, firstDifferentStep: i < 0 ? null : i, goldenTop2Gap: gap, llamaCppToken: i < 0 ? null : out[i], goldenToken: i < 0 ? null : golden.generated[i] }));
  await ctx.dispose();
}
