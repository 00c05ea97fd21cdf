#:property AllowUnsafeBlocks=true
#:property TieredCompilation=false
// How fast this machine streams memory into the cores: the ceiling for decode, which reads every weight once per token.
//   dotnet run -c Release bench/memory-bandwidth.cs [-- --mb 512 --threads 2]
// Each thread sums its share of a buffer larger than the cache, with and without software prefetch ahead of the loads;
// best of 5 passes. Compare with decode: weight bytes of the file × tokens/s.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

var opts = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
long size = long.Parse(opts.GetValueOrDefault("mb", "512")) << 20;
int maxThreads = int.Parse(opts.GetValueOrDefault("threads", Environment.ProcessorCount.ToString()));
unsafe
{
    byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)size, 64);
    NativeMemory.Fill(buffer, (nuint)size, 1);
    for (int threads = 1; threads <= maxThreads; threads *= 2)
        foreach (int ahead in new[] { 0, 4096 })
        {
            double best = 0;
            for (int pass = 0; pass < 5; pass++)
            {
                long share = size / threads;
                var workers = Enumerable.Range(0, threads).Select(t => new Thread(() => Sum(buffer + t * share, share, ahead))).ToArray();
                var sw = Stopwatch.StartNew();
                foreach (var w in workers) w.Start();
                foreach (var w in workers) w.Join();
                best = Math.Max(best, size / sw.Elapsed.TotalSeconds / 1e9);
            }
            Console.WriteLine($"{threads} thread(s), prefetch {(ahead == 0 ? "off" : ahead + " B ahead")}: {best:F1} GB/s");
        }
    NativeMemory.AlignedFree(buffer);
}

[MethodImpl(MethodImplOptions.AggressiveOptimization)]
static unsafe long Sum(byte* p, long n, int ahead)
{
    Vector256<long> a0 = default, a1 = default;
    for (long i = 0; i < n; i += 128)
    {
        if (ahead > 0) { Sse.Prefetch0(p + i + ahead); Sse.Prefetch0(p + i + ahead + 64); }
        a0 = Avx2.Add(a0, Avx2.SumAbsoluteDifferences(Avx.LoadAlignedVector256(p + i), Vector256<byte>.Zero).AsInt64());
        a1 = Avx2.Add(a1, Avx2.SumAbsoluteDifferences(Avx.LoadAlignedVector256(p + i + 32), Vector256<byte>.Zero).AsInt64());
        a0 = Avx2.Add(a0, Avx2.SumAbsoluteDifferences(Avx.LoadAlignedVector256(p + i + 64), Vector256<byte>.Zero).AsInt64());
        a1 = Avx2.Add(a1, Avx2.SumAbsoluteDifferences(Avx.LoadAlignedVector256(p + i + 96), Vector256<byte>.Zero).AsInt64());
    }
    return Vector256.Sum(Avx2.Add(a0, a1));
}
