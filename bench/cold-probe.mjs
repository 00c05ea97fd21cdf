// Cold load to first token, alone: a fresh `corral serve`, the model imported, then one request ("Hello", one token)
// that loads it. Run it alternately with CORRAL_INTERLEAVE=0 and without to compare (the file stays in the page cache).
//   node bench/cold-probe.mjs --model FILE.gguf
import path from "node:path";
import { startCorral, parseArgs } from "./corral-server.mjs";
const args = parseArgs();
const server = await startCorral(path.resolve(args.model), { OLLAMA_NUM_PARALLEL: "1" });
try {
  const t0 = performance.now();
  const first = await server.generate({ prompt: "Hello", raw: true, options: { temperature: 0, num_predict: 1, num_thread: 2 } });
  console.log(JSON.stringify({ interleave: process.env.CORRAL_INTERLEAVE ?? "1", cold_first_token_s: +((performance.now() - t0) / 1000).toFixed(3), load_duration_s: +(first.load_duration / 1e9).toFixed(3) }));
} finally { server.stop(); }
