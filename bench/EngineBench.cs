#:project ../src/Corral.Engine/Corral.Engine.csproj
#:property TieredPGO=true
#:property PublishAot=false
// Forward-pass speed straight through the engine (no server): load, one prompt of N tokens, then M greedy decode steps.
//   dotnet run -c Release bench/EngineBench.cs -- MODEL.gguf [--threads 2] [--prompt 512] [--gen 128] [--reps 3] [--batch 512] [--streams N]
// With --streams N (N > 1) it measures batched decode instead: N sequences each get the prompt, then every step decodes one
// token of each of them together (as the server's continuous batching does); it prints the step time beside a 1-sequence step
// (--ab 1: interleaved weights and the file layout side by side in one process).
// With --matmul N [--kind q|k|v|o|gate|up|down|output] [--ab 1] it times each kind of product alone, for 1 and for N tokens;
// --ab 1 alternates the interleaved weights with the file layout in one process.
// Kernels are compiled optimized at once, but the loops around them tier up: run with DOTNET_TieredCompilation=0 for steady numbers.
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

int streams = int.Parse(opts.GetValueOrDefault("streams", "1"));
if (streams > 1) return StreamsBench(modelPath, threads, nPrompt, nGen, reps, streams, opts.GetValueOrDefault("ab") == "1");
if (opts.ContainsKey("matmul")) return MatMulBench(modelPath, threads, int.Parse(opts["matmul"]), reps, opts.GetValueOrDefault("kind"), opts.GetValueOrDefault("ab") == "1");

var sw = Stopwatch.StartNew();
using var model = Model.Load(modelPath, new ModelLoadOptions { ContextLength = ctx });
double loadSeconds = sw.Elapsed.TotalSeconds;
// Steady state: the row-interleaved weight copies are built in the background after loading.
model.WaitForInterleavedWeights();
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

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

// Decode steps of 1 and of N sequences on one cache: milliseconds per step, and the aggregate speed-up N sequences give.
static int StreamsBench(string modelPath, int threads, int nPrompt, int nGen, int reps, int streams, bool ab)
{
    int ctx = nPrompt + nGen + 16;
    // --ab: interleaved weights (A) and the file layout (B) in one process, alternating rep by rep (see MatMulBench).
    var variants = Variants(ab);
    using var pool = new WorkerPool(threads);
    var runs = variants.Select(v =>
    {
        var model = Model.Load(modelPath, new ModelLoadOptions { ContextLength = ctx, InterleaveWeights = v.Item2 });
        model.WaitForInterleavedWeights();
        var cache = new KvCache(model.Hyperparameters, ctx, streams);
        var forward = new ForwardPass(model, cache, pool, Math.Max(nPrompt, streams));
        return (Name: v.Item1, Model: model, Cache: cache, Forward: forward, One: new List<double>(), Many: new List<double>());
    }).ToArray();
    int vocab = runs[0].Model.VocabSize;
    var logits = new float[vocab * streams];
    var prompt = Enumerable.Range(0, nPrompt).Select(i => (int)((i * 7919L + 13) % Math.Min(vocab, 32000))).ToArray();
    foreach (var run in runs)
        for (int s = 0; s < streams; s++)
            run.Forward.Evaluate(prompt.Select((t, i) => new BatchEntry(t, i, s, i == nPrompt - 1)).ToArray(), logits);
    var sw = new Stopwatch();
    for (int rep = 0; rep < reps; rep++)
    {
        foreach (var run in runs)
        {
            foreach (int n in new[] { 1, streams })
            {
                var step = new BatchEntry[n];
                sw.Restart();
                for (int g = 0; g < nGen; g++)
                {
                    for (int s = 0; s < n; s++) step[s] = new BatchEntry((g * 31 + s * 7) % 1000 + 10, nPrompt + g, s, true);
                    run.Forward.Evaluate(step, logits);
                }
                (n == 1 ? run.One : run.Many).Add(sw.Elapsed.TotalMilliseconds / nGen);
            }
            Console.WriteLine(JsonSerializer.Serialize(new { rep, variant = run.Name, step_ms_1 = Math.Round(run.One[^1], 2), step_ms_n = Math.Round(run.Many[^1], 2),
                load = File.ReadAllText("/proc/loadavg").Split(' ')[0] }));
        }
    }
    foreach (var run in runs)
    {
        double s1 = Median(run.One), sn = Median(run.Many);
        Console.WriteLine(JsonSerializer.Serialize(new { engine = "corral-engine", variant = run.Name, model = Path.GetFileName(modelPath), threads, streams,
            step_ms_1 = Math.Round(s1, 2), step_ms_n = Math.Round(sn, 2), step_cost_ratio = Math.Round(sn / s1, 2),
            aggregate_speedup = Math.Round(streams * s1 / sn, 2) }));
        run.Cache.Dispose();
        run.Model.Dispose();
    }
    return 0;
}

// Each kind of product (q, k, v, o, gate, up, down over all layers; the lm_head) for 1 and for N tokens, streamed from the
// mapped file as decode streams it: milliseconds per pass and the N-token/1-token cost ratio.
static unsafe int MatMulBench(string modelPath, int threads, int tokens, int reps, string? onlyKind, bool ab)
{
    // With --ab the same file is loaded twice, interleaved (A) and in the file layout (B), and the two alternate rep by
    // rep: on a shared machine, A/B runs in separate processes minutes apart differed more than the change measured.
    var variants = Variants(ab);
    var models = variants.Select(v => Model.Load(modelPath, new ModelLoadOptions { ContextLength = 64, InterleaveWeights = v.Item2 })).ToArray();
    foreach (var m in models) m.WaitForInterleavedWeights();
    using var pool = new WorkerPool(threads);
    var matmul = new Corral.Engine.Kernels.MatMul(pool);
    var kindsOf = models.Select(model =>
    {
        var w = model.Weights;
        return new (string Name, Corral.Engine.Models.WeightMatrix[] Ms)[]
        {
            ("q", w.Layers.Select(l => l.Wq).ToArray()), ("k", w.Layers.Select(l => l.Wk).ToArray()), ("v", w.Layers.Select(l => l.Wv).ToArray()),
            ("o", w.Layers.Select(l => l.Wo).ToArray()), ("gate", w.Layers.Select(l => l.Gate).ToArray()), ("up", w.Layers.Select(l => l.Up).ToArray()),
            ("down", w.Layers.Select(l => l.Down).ToArray()), ("output", [w.Output]),
        };
    }).ToArray();
    var kinds = kindsOf[0];
    int maxCols = kinds.Max(k => k.Ms.Max(m => m.Cols)), maxRows = kinds.Max(k => k.Ms.Max(m => m.Rows));
    var x = GC.AllocateArray<float>(maxCols * tokens, pinned: true);
    var y = GC.AllocateArray<float>(maxRows * tokens, pinned: true);
    var rng = new Random(1);
    for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() - 0.5f;
    var total1 = new double[models.Length];
    var totalN = new double[models.Length];
    fixed (float* px = x, py = y)
    {
        for (int kind = 0; kind < kinds.Length; kind++)
        {
            if (onlyKind != null && onlyKind != kinds[kind].Name) continue;
            var one = models.Select(_ => new List<double>()).ToArray();
            var many = models.Select(_ => new List<double>()).ToArray();
            for (int rep = 0; rep < reps + 1; rep++)
                for (int v = 0; v < models.Length; v++)
                    foreach (int n in new[] { 1, tokens })
                    {
                        var sw = Stopwatch.StartNew();
                        foreach (var m in kindsOf[v][kind].Ms) matmul.Run(m, px, m.Cols, n, py, m.Rows);
                        if (rep > 0) (n == 1 ? one[v] : many[v]).Add(sw.Elapsed.TotalMilliseconds);
                    }
            var ms = kinds[kind].Ms;
            for (int v = 0; v < models.Length; v++)
            {
                double a = Median(one[v]), b = Median(many[v]);
                total1[v] += a;
                totalN[v] += b;
                Console.WriteLine($"{kinds[kind].Name,-7} {ms[0].Type,-6} {ms[0].Cols,6}x{ms[0].Rows,-7} 1 token {a,7:F2} ms   {tokens} tokens {b,7:F2} ms   ratio {b / a:F2}  {variants[v].Item1}");
            }
        }
    }
    for (int v = 0; v < models.Length; v++)
        Console.WriteLine($"all products: 1 token {total1[v]:F2} ms, {tokens} tokens {totalN[v]:F2} ms, ratio {totalN[v] / total1[v]:F2}  {variants[v].Item1}");
    foreach (var m in models) m.Dispose();
    return 0;
}

// The layouts a run compares: with --ab 1 the interleaved copies and the file-layout kernels, else the default alone.
static (string Name, bool Interleave)[] Variants(bool ab) =>
    ab ? [("interleaved", true), ("file layout", false)] : [("", new ModelLoadOptions().InterleaveWeights)];
