// A real `corral serve` for the bench scripts: built by ./corral if needed, on a free 127.0.0.1 port, with a
// temporary model store holding one model ("bench") imported from a GGUF file through /api/blobs + /api/create.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const loadAvg = () => +fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0];
export const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const log = o => console.log(JSON.stringify(o));
/** `--name value` pairs of the command line as an object. */
export const parseArgs = (argv = process.argv.slice(2)) => Object.fromEntries(argv.reduce((acc, a, i, all) =>
  a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));

function freePort() {
  return new Promise(resolve => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

/**
 * Starts the server and imports modelPath as "bench". env adds server variables (e.g. OLLAMA_NUM_PARALLEL); create adds
 * fields to the /api/create request (e.g. { quantize: "q4_K_M" }).
 * Returns { base, importSeconds, generate(body), rssMb(), psSizeMb(), stop() }; generate posts a non-streamed /api/generate.
 */
export async function startCorral(modelPath, env = {}, create = {}) {
  // Build (if needed) up front so the build does not count as load time.
  const build = spawnSync(path.join(root, "corral"), ["--version"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("building corral failed");
  const port = await freePort();
  const models = fs.mkdtempSync(path.join(os.tmpdir(), "corral-bench-"));
  const server = spawn(path.join(root, ".build/corral/corral"), ["serve"], {
    env: { ...process.env, HOME: models, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: path.join(models, "models"), OLLAMA_KEEP_ALIVE: "-1", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => { server.kill("SIGTERM"); fs.rmSync(models, { recursive: true, force: true }); };
  let importSeconds;
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(base + "/")).ok) break; } catch {}
      if (i > 600) throw new Error("corral did not start");
      await new Promise(r => setTimeout(r, 100));
    }
    const importStart = performance.now();
    const bytes = fs.readFileSync(modelPath);
    const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    let r = await fetch(`${base}/api/blobs/${digest}`, { method: "POST", body: bytes });
    if (!r.ok) throw new Error("blob upload: " + await r.text());
    r = await fetch(`${base}/api/create`, { method: "POST", body: JSON.stringify({ model: "bench", files: { [path.basename(modelPath)]: digest }, stream: false, ...create }) });
    if (!r.ok) throw new Error("create: " + await r.text());
    importSeconds = (performance.now() - importStart) / 1000;
  } catch (e) { stop(); throw e; }
  const generate = async body => {
    const res = await fetch(`${base}/api/generate`, { method: "POST", body: JSON.stringify({ model: "bench", stream: false, ...body }) });
    if (!res.ok) throw new Error("generate: " + await res.text());
    return res.json();
  };
  const rssMb = () => Math.round(+/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, "utf8"))[1] / 1024);
  // The model's size in memory as /api/ps reports it (file + KV cache).
  const psSizeMb = async () => {
    const ps = await (await fetch(`${base}/api/ps`)).json();
    return ps.models?.[0]?.size ? Math.round(ps.models[0].size / 1048576) : null;
  };
  return { base, importSeconds, generate, rssMb, psSizeMb, stop };
}
