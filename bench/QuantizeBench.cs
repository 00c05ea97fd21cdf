#:project ../src/Corral.Engine/Corral.Engine.csproj
// Quantizer timings, driven by bench/quantize-bench.sh.
//   dotnet run -c Release bench/QuantizeBench.cs -- file MODEL OUTDIR THREADS TYPE...
//       one line per type: name, wall seconds, process CPU seconds, source MB/s (wall), output sha256, path
//   dotnet run -c Release bench/QuantizeBench.cs -- kernels [MB]
//       single-thread speed of each reference quantizer on noise (F32 input MB/s)
using System.Diagnostics;
using System.Security.Cryptography;
using Corral.Engine.Quantization;
using Corral.Engine.Tensors;

if (args.Length >= 1 && args[0] == "kernels")
{
    int mb = args.Length > 1 ? int.Parse(args[1]) : 8;
    var x = new float[mb * (1 << 20) / 4];
    var rng = new Random(1);
    for (int i = 0; i < x.Length; i++) x[i] = (float)((rng.NextDouble() + rng.NextDouble() - 1) * 0.05);
    foreach (var type in WeightQuantizer.SupportedTypes)
    {
        var y = new byte[GgmlTypeInfo.RowSize(type, x.Length)];
        var q = WeightQuantizer.Get(type);
        q(x.AsSpan(0, 65536), y); // warm up (tiered JIT)
        double cpuSeconds = double.MaxValue, wall = 0;
        for (int run = 0; run < 3; run++) // best of three: the machine is shared
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            q(x, y);
            double c = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            if (c < cpuSeconds) (cpuSeconds, wall) = (c, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"{GgmlTypeInfo.Name(type),-7} {x.Length * 4 / 1e6 / cpuSeconds,8:F1} MB/s per core (cpu {cpuSeconds:F2}s, wall {wall:F2}s)");
    }
    return 0;
}

if (args.Length < 5 || args[0] != "file")
{
    Console.Error.WriteLine("usage: QuantizeBench.cs file MODEL OUTDIR THREADS TYPE... | kernels [MB]");
    return 2;
}
string model = args[1], outDir = args[2];
int threads = int.Parse(args[3]);
string stem = Path.GetFileNameWithoutExtension(model);
if (stem.EndsWith("-F16", StringComparison.Ordinal)) stem = stem[..^4];
Directory.CreateDirectory(outDir);
foreach (var name in args[4..])
{
    var type = LlamaFileTypes.Parse(name);
    string output = Path.Combine(outDir, $"{stem}-{name}.gguf");
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var result = ModelQuantizer.Quantize(model, output, type, threads: threads);
    double seconds = sw.Elapsed.TotalSeconds;
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    string sha;
    using (var fs = File.OpenRead(output)) sha = Convert.ToHexStringLower(SHA256.HashData(fs));
    Console.WriteLine($"{name} {seconds:F2} {cpuSeconds:F2} {result.SourceBytes / 1e6 / seconds:F1} {sha} {output}");
}
return 0;
