#!/usr/bin/env node
// Cost of grammar-constrained sampling per generated token (issue 7: at most +20 %), through the API on the
// synthetic Qwen2.5-0.5B-shaped model (151,936-token vocabulary, the worst case for masking).
//
//   node bench/grammar-bench.mjs [--model FILE.gguf] [--threads 2] [--gen 128] [--reps 3]
//
// Default model: .build/bench-models/qwen2-0.5b-Q4_K_M.gguf (bench/speed-bench.sh makes it). Each repetition
// runs the same prompt unconstrained, with format "json" and with a JSON schema, and compares
// eval_duration / eval_count. Generation is greedy with the same num_predict; a constrained run may stop
// earlier (the JSON is complete), so the comparison is per token.
import fs from "node:fs";
import path from "node:path";
import { root, startCorral, median, loadAvg, log, parseArgs } from "./corral-server.mjs";

const args = parseArgs();
const modelPath = path.resolve(args.model ?? path.join(root, ".build/bench-models/qwen2-0.5b-Q4_K_M.gguf"));
if (!fs.existsSync(modelPath)) { console.error(`${modelPath} is missing: run bench/speed-bench.sh qwen2-0.5b-Q4_K_M once, or pass --model`); process.exit(2); }
const threads = +(args.threads ?? 2), nGen = +(args.gen ?? 128), reps = +(args.reps ?? 3);

const schema = {
  type: "object", required: ["title", "tags", "chapters"],
  properties: {
    title: { type: "string" },
    tags: { type: "array", items: { type: "string" }, maxItems: 8 },
    chapters: { type: "array", items: { type: "object", required: ["name", "pages"], properties: { name: { type: "string" }, pages: { type: "integer" } } } },
  },
};
const modes = { free: {}, json: { format: "json" }, schema: { format: schema } };

const corral = await startCorral(modelPath);
try {
  const options = { temperature: 0, num_thread: threads, num_predict: nGen, num_ctx: 1024 };
  await corral.generate({ prompt: "Hello", raw: true, options: { ...options, num_predict: 1 } });
  const perToken = Object.fromEntries(Object.keys(modes).map(m => [m, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const [mode, extra] of Object.entries(modes)) {
      const out = await corral.generate({ prompt: `Describe book ${rep} as JSON.`, raw: true, options, ...extra });
      const ms = out.eval_duration / 1e6 / out.eval_count;
      perToken[mode].push(ms);
      log({ rep, mode, eval_count: out.eval_count, ms_per_token: +ms.toFixed(3), load: loadAvg() });
    }
  }
  const free = median(perToken.free);
  log({ model: path.basename(modelPath), threads, reps, free_ms: +free.toFixed(3),
    json_ms: +median(perToken.json).toFixed(3), json_overhead: +(median(perToken.json) / free - 1).toFixed(3),
    schema_ms: +median(perToken.schema).toFixed(3), schema_overhead: +(median(perToken.schema) / free - 1).toFixed(3) });
} finally {
  corral.stop();
}
