#!/usr/bin/env node
// Serving benchmark (issue 6), driven by bench/concurrency-bench.sh (which makes the model): a real `corral serve`,
// the model imported and quantized through /api/create, then
//   1. aggregate generated tokens/s for 1, 4 and 8 concurrent greedy streams (OLLAMA_NUM_PARALLEL slots), median of --reps rounds;
//   2. time to first token of a ~1,000-token prompt, then of a second request repeating that prefix.
//
//   node bench/concurrency-bench.mjs --model F16.gguf [--parallel 4] [--tokens 64] [--threads N] [--quant q4_K_M] [--reps 3]
//
// Prints one line per measurement on stderr and a JSON summary on stdout.
import path from "node:path";
import { startCorral, parseArgs, loadAvg } from "./corral-server.mjs";

const args = parseArgs();
if (!args.model) { console.error("usage: concurrency-bench.mjs --model FILE [--parallel N] [--tokens N] [--threads N] [--quant TYPE] [--reps N]"); process.exit(2); }
const parallel = +(args.parallel ?? 4), tokens = +(args.tokens ?? 64), quant = args.quant ?? "q4_K_M", reps = +(args.reps ?? 3);
const say = line => console.error(line);

const corral = await startCorral(path.resolve(args.model), { OLLAMA_NUM_PARALLEL: String(parallel), OLLAMA_CONTEXT_LENGTH: "2048" },
  quant.toLowerCase() === "f16" ? {} : { quantize: quant });
try {
  say(`import${quant.toLowerCase() === "f16" ? "" : " + quantize to " + quant}: ${corral.importSeconds.toFixed(1)} s`);
  const options = { temperature: 0, num_predict: tokens, ...(args.threads ? { num_thread: +args.threads } : {}) };

  /** One streamed generate: time to first token, wall time and the final object's counters. */
  async function stream(prompt, opts) {
    const start = performance.now();
    let ttft = null, final = null;
    const res = await fetch(`${corral.base}/api/generate`, { method: "POST", body: JSON.stringify({ model: "bench", prompt, raw: true, options: opts }) });
    if (!res.ok) throw new Error("generate: " + await res.text());
    let pending = "";
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const obj = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (obj.error) throw new Error(obj.error);
        if (ttft === null && (obj.response || obj.done)) ttft = (performance.now() - start) / 1000;
        if (obj.done) final = obj;
      }
    }
    return { ...final, ttft, wall: (performance.now() - start) / 1000 };
  }

  const prompts = Array.from({ length: 8 }, (_, i) => `Story number ${i}: once upon a time, in a land far away,`);
  // Load, then run every measured shape once unmeasured: the runtime compiles hot methods again, optimized, only after
  // they have run a while, and a first stream measured before that ran ~25 % slower than a warm one.
  for (const n of [1, 4, 8]) await Promise.all(prompts.slice(0, n).map(p => stream("Warm-up. " + p, options)));

  const summary = { parallel_slots: parallel, tokens_per_stream: tokens, quant, streams: {} };
  // Each stream count in turn, `reps` rounds: the median round is kept (one round alone varied by up to 40 % here).
  const rounds = { 1: [], 4: [], 8: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const n of [1, 4, 8]) {
      const t0 = performance.now();
      const results = await Promise.all(prompts.slice(0, n).map(p => stream(`Round ${rep}. ` + p, options)));
      const wall = (performance.now() - t0) / 1000;
      const generated = results.reduce((sum, r) => sum + (r.eval_count ?? 0), 0);
      const round = { generated, wall_s: +wall.toFixed(2), aggregate_tok_s: +(generated / wall).toFixed(2),
        mean_ttft_s: +(results.reduce((sum, r) => sum + r.ttft, 0) / n).toFixed(3), load: loadAvg() };
      rounds[n].push(round);
      say(`round ${rep + 1}: ${n} stream(s) on ${parallel} slot(s): ${generated} tokens in ${wall.toFixed(2)} s = ${round.aggregate_tok_s} tok/s aggregate (load ${round.load})`);
    }
  }
  for (const n of [1, 4, 8]) {
    const sorted = [...rounds[n]].sort((a, b) => a.aggregate_tok_s - b.aggregate_tok_s);
    summary.streams[n] = { ...sorted[Math.floor(sorted.length / 2)], rounds: rounds[n].map(r => r.aggregate_tok_s) };
    say(`median: ${n} stream(s): ${summary.streams[n].aggregate_tok_s} tok/s aggregate`);
  }
  const single = summary.streams[1].aggregate_tok_s;
  summary.speedup_4 = +(summary.streams[4].aggregate_tok_s / single).toFixed(2);
  summary.speedup_8 = +(summary.streams[8].aggregate_tok_s / single).toFixed(2);
  // Paired by round (1, 4 and 8 streams run back to back, under the same load): the machine's slow and fast phases cancel.
  summary.speedup_4_by_round = rounds[4].map((r, i) => +(r.aggregate_tok_s / rounds[1][i].aggregate_tok_s).toFixed(2));
  summary.speedup_8_by_round = rounds[8].map((r, i) => +(r.aggregate_tok_s / rounds[1][i].aggregate_tok_s).toFixed(2));
  say(`speed-up over 1 stream: 4 streams ${summary.speedup_4}× (by round ${summary.speedup_4_by_round.join(", ")}), ` +
    `8 streams ${summary.speedup_8}× (by round ${summary.speedup_8_by_round.join(", ")})`);

  // Prefix reuse: ~1,000-token prompt, then the same prefix with a different ending.
  const prefix = Array.from({ length: 80 }, (_, i) => `Line ${i} of the shared system prompt says the same thing again.`).join(" ");
  const first = await stream(prefix + " Question one?", { ...options, num_predict: 1 });
  const second = await stream(prefix + " Question two?", { ...options, num_predict: 1 });
  summary.prefix = { prompt_tokens: first.prompt_eval_count, ttft_first_s: +first.ttft.toFixed(3), ttft_second_s: +second.ttft.toFixed(3),
    second_evaluated: second.prompt_eval_count, ratio: +(second.ttft / first.ttft).toFixed(3) };
  say(`prefix of ${first.prompt_eval_count} tokens: TTFT ${first.ttft.toFixed(3)} s, repeated prefix ${second.ttft.toFixed(3)} s ` +
    `(${(100 * second.ttft / first.ttft).toFixed(1)} %)`);
  console.log(JSON.stringify(summary));
} finally {
  corral.stop();
}
