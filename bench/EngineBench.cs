#:project ../src/Corral.Engine/Corral.Engine.csproj
#:property TieredPGO=true
#:property PublishAot=false
// Forward-pass speed straight through the engine (no server): load, one prompt of N tokens, then M greedy decode steps.
//   dotnet run -c Release bench/EngineBench.cs -- MODEL.gguf [--threads 2] [--prompt 512] [--gen 128] [--reps 3] [--batch 512]
// Prints one JSON line per rep and a median line: load_s, pp_tps, tg_tps, and CPU milliseconds per token (all threads). Quicker to iterate with than
// bench/side-by-side.mjs, which measures the same through the API beside llama.cpp.
using System.Diagnostics;
using System.Text.Json;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;

var opts = new Dictionary<string, string>();
string? modelPath = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal)) opts[args[i][2..]] = args[++i];
    else modelPath = args[i];
}
if (modelPath == null)
{
    Console.Error.WriteLine("usage: EngineBench.cs MODEL.gguf [--threads N] [--prompt N] [--gen N] [--reps N] [--batch N]");
    return 2;
}
int threads = int.Parse(opts.GetValueOrDefault("threads", "2"));
int nPrompt = int.Parse(opts.GetValueOrDefault("prompt", "512"));
int nGen = int.Parse(opts.GetValueOrDefault("gen", "128"));
int reps = int.Parse(opts.GetValueOrDefault("reps", "3"));
int batchSize = int.Parse(opts.GetValueOrDefault("batch", "512"));
int ctx = nPrompt + nGen + 16;

var sw = Stopwatch.StartNew();
using var model = Model.Load(modelPath, new ModelLoadOptions { ContextLength = ctx });
double loadSeconds = sw.Elapsed.TotalSeconds;
using var pool = new WorkerPool(threads);
using var cache = new KvCache(model.Hyperparameters, ctx, 1);
var forward = new ForwardPass(model, cache, pool, Math.Min(batchSize, nPrompt));
int vocab = model.VocabSize;
var logits = new float[vocab];
// Ordinary-looking token ids spread over the vocabulary; the content does not change the work.
var prompt = Enumerable.Range(0, nPrompt).Select(i => (int)((i * 7919L + 13) % Math.Min(vocab, 32000))).ToArray();

var pp = new List<double>();
var tg = new List<double>();
var ppCpu = new List<double>();
var tgCpu = new List<double>();
var process = System.Diagnostics.Process.GetCurrentProcess();
double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
for (int rep = 0; rep < reps; rep++)
{
    sw.Restart();
    double cpu0 = Cpu();
    for (int start = 0; start < nPrompt; start += batchSize)
    {
        int n = Math.Min(batchSize, nPrompt - start);
        var batch = new BatchEntry[n];
        for (int i = 0; i < n; i++) batch[i] = new BatchEntry(prompt[start + i], start + i, 0, start + i == nPrompt - 1);
        forward.Evaluate(batch, logits);
    }
    double promptSeconds = sw.Elapsed.TotalSeconds;
    double promptCpu = Cpu() - cpu0;
    var step = new BatchEntry[1];
    sw.Restart();
    cpu0 = Cpu();
    for (int g = 0; g < nGen; g++)
    {
        int next = 0;
        for (int i = 1; i < vocab; i++) if (logits[i] > logits[next]) next = i;
        step[0] = new BatchEntry(next, nPrompt + g, 0, true);
        forward.Evaluate(step, logits);
    }
    double genSeconds = sw.Elapsed.TotalSeconds;
    double genCpu = Cpu() - cpu0;
    pp.Add(nPrompt / promptSeconds);
    tg.Add(nGen / genSeconds);
    ppCpu.Add(promptCpu / nPrompt * 1000);
    tgCpu.Add(genCpu / nGen * 1000);
    Console.WriteLine(JsonSerializer.Serialize(new { rep, pp_tps = Math.Round(pp[^1], 2), tg_tps = Math.Round(tg[^1], 2),
        pp_cpu_ms_per_token = Math.Round(ppCpu[^1], 3), tg_cpu_ms_per_token = Math.Round(tgCpu[^1], 3), load = File.ReadAllText("/proc/loadavg").Split(' ')[0] }));
}
static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
Console.WriteLine(JsonSerializer.Serialize(new
{
    engine = "corral-engine",
    model = Path.GetFileName(modelPath),
    threads,
    prompt = nPrompt,
    gen = nGen,
    reps,
    load_s = Math.Round(loadSeconds, 3),
    pp_tps = Math.Round(Median(pp), 2),
    tg_tps = Math.Round(Median(tg), 2),
    // CPU seconds per token over all threads: steadier than wall time on a shared machine.
    pp_cpu_ms_per_token = Math.Round(Median(ppCpu), 3),
    tg_cpu_ms_per_token = Math.Round(Median(tgCpu), 3),
}));
return 0;
