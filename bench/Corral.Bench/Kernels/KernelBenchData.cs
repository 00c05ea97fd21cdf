using System.Runtime.InteropServices;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Bench.Kernels;

/// <summary>A weight matrix with plausible contents (random quants, ordinary scales) and a quantized activation row.</summary>
internal sealed unsafe class GemvData : IDisposable
{
    public GgmlType Type { get; }
    public int K { get; }
    public int Rows { get; }
    public long RowBytes { get; }
    public long TotalBytes => RowBytes * Rows;
    public byte* Weights { get; }
    public byte* Activations { get; }
    public float* Output { get; }

    public GemvData(GgmlType type, int k, int rows, int seed = 1)
    {
        Type = type;
        K = k;
        Rows = rows;
        RowBytes = GgmlTypeInfo.RowSize(type, k);
        Weights = (byte*)NativeMemory.AlignedAlloc((nuint)TotalBytes, 64);
        var rng = new Random(seed);
        for (long off = 0; off < TotalBytes; off += 1 << 30)
            rng.NextBytes(new Span<byte>(Weights + off, (int)Math.Min(1 << 30, TotalBytes - off)));
        FixScales(rng);

        var x = new float[k];
        for (int i = 0; i < k; i++) x[i] = (rng.NextSingle() - 0.5f) * 4f;
        var vec = VecDot.TypeFor(type);
        int activationBytes = ActivationQuantizer.RowSize(vec, k);
        Activations = (byte*)NativeMemory.AlignedAlloc((nuint)activationBytes, 64);
        ActivationQuantizer.QuantizeRow(vec, x, new Span<byte>(Activations, activationBytes));
        Output = (float*)NativeMemory.AlignedAlloc((nuint)rows * sizeof(float), 64);
    }

    // Random bytes in scale fields would give NaN/Inf f16 scales, which can slow float units; real files have small scales.
    private void FixScales(Random rng)
    {
        switch (Type)
        {
            case GgmlType.F32:
                for (long i = 0; i < TotalBytes / 4; i++) ((float*)Weights)[i] = rng.NextSingle() - 0.5f;
                return;
            case GgmlType.F16:
            case GgmlType.BF16:
                for (long i = 0; i < TotalBytes / 2; i++)
                    ((ushort*)Weights)[i] = Type == GgmlType.F16 ? (ushort)(0x2000 + rng.Next(0x1000)) : Bf16.FromSingle(rng.NextSingle() - 0.5f);
                return;
        }
        int[] fields = Type switch
        {
            GgmlType.Q2_K => [80, 82],
            GgmlType.Q3_K => [108],
            GgmlType.Q6_K => [208],
            GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
            _ => [0],
        };
        int size = GgmlTypeInfo.TypeSize(Type);
        for (long at = 0; at < TotalBytes; at += size)
            foreach (int f in fields) *(ushort*)(Weights + at + f) = (ushort)(0x1C00 + rng.Next(0x800));
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Weights);
        NativeMemory.AlignedFree(Activations);
        NativeMemory.AlignedFree(Output);
    }
}
