// Where a serving process's resident memory goes after two requests of a 512-token prompt and 128 generated tokens: the largest mappings
// (file-backed or anonymous) from /proc/PID/smaps, beside VmRSS and `/api/ps`'s size.
//   node bench/rss-probe.mjs --model FILE.gguf
import fs from "node:fs";
import path from "node:path";
import { startCorral, parseArgs } from "./corral-server.mjs";
const args = parseArgs();
const server = await startCorral(path.resolve(args.model), { OLLAMA_NUM_PARALLEL: "1" });
try {
  const phrase = "The quick brown fox jumps over the lazy dog while the farmer counts his sheep. ";
  const run = i => server.generate({ prompt: `Run ${i}: ` + phrase.repeat(28), raw: true, options: { temperature: 0, num_predict: 128, num_thread: 2, num_ctx: 704, num_batch: 512 } });
  // The second run after a pause: the interleaved weight copies are built once the first request is done.
  await run(0);
  await new Promise(resolve => setTimeout(resolve, 2500));
  await run(1);
  const pid = fs.readdirSync("/proc").filter(d => /^\d+$/.test(d)).find(d => {
    try { return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes("corral") && fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes("serve"); } catch { return false; }
  });
  const smaps = fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n");
  const maps = [];
  let cur = null;
  for (const line of smaps) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) { cur = { name: head[3] || "[anon]", size: (parseInt(head[2], 16) - parseInt(head[1], 16)) >> 20, rss: 0, anon: 0 }; maps.push(cur); continue; }
    const m = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (m && cur) cur[m[1] === "Rss" ? "rss" : "anon"] += +m[2] >> 10;
  }
  maps.sort((a, b) => b.rss - a.rss);
  for (const m of maps.slice(0, 8)) console.log(`${String(m.rss).padStart(5)} MiB resident (${m.anon} anonymous) of ${m.size} MiB  ${m.name}`);
  console.log(`VmRSS ${server.rssMb()} MiB; /api/ps size ${await server.psSizeMb()} MiB; file ${fs.statSync(args.model).size >> 20} MiB`);
} finally { server.stop(); }
