// Where a batched decode step's time goes in the server: wall time per step against the engine's own forward time
// (eval_duration / eval_count of each stream), for 1 and 4 concurrent greedy streams.
import path from "node:path";
import { startCorral, parseArgs } from "./corral-server.mjs";
const args = parseArgs();
const corral = await startCorral(path.resolve(args.model), { OLLAMA_NUM_PARALLEL: "4", OLLAMA_CONTEXT_LENGTH: "2048" }, { quantize: "q4_K_M" });
async function stream(prompt) {
  const start = performance.now();
  let ttft = null, final = null, chunks = 0;
  const res = await fetch(`${corral.base}/api/generate`, { method: "POST", body: JSON.stringify({ model: "bench", prompt, raw: true, options: { temperature: 0, num_predict: 64, num_thread: 2 } }) });
  let pending = "";
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    pending += chunk; let nl;
    while ((nl = pending.indexOf("\n")) >= 0) { const o = JSON.parse(pending.slice(0, nl)); pending = pending.slice(nl + 1); chunks++; if (ttft === null) ttft = performance.now() - start; if (o.done) final = o; }
  }
  return { wall: performance.now() - start, ttft, evalMs: final.eval_duration / 1e6, evalCount: final.eval_count, promptMs: final.prompt_eval_duration / 1e6 };
}
try {
  for (let rep = 0; rep < 4; rep++)
    for (const n of [1, 4]) {
      const t0 = performance.now();
      const rs = await Promise.all(Array.from({ length: n }, (_, i) => stream(`Rep ${rep} story ${i}: once upon a time, in a land far away,`)));
      const wall = performance.now() - t0;
      const r = rs[0];
      console.log(`${n} streams: wall ${wall.toFixed(0)} ms, ttft ${rs.map(x => x.ttft.toFixed(0)).join("/")} ms, engine per step ${(r.evalMs / r.evalCount).toFixed(1)} ms, wall per step after first token ${((r.wall - r.ttft) / (r.evalCount - 1)).toFixed(1)} ms, prompt ${rs.map(x => x.promptMs.toFixed(0)).join("/")} ms`);
    }
} finally { corral.stop(); }
