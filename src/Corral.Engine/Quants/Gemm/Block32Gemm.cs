using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Tiles of the 32-block formats (Q8_0, Q4_0, Q5_0, IQ4_NL, Q4_1, Q5_1): one weight row × 4 tokens, each weight block
/// decoded once for the 4 tokens. Per (row, token) the arithmetic is <see cref="Block32DotScalar{TWeights}"/>'s: block b's
/// exact lane sums times its scale product go into <see cref="LaneSums"/> set b % 4. The tile runs one set at a time
/// (blocks s, s+4, s+8, … — each accumulator still sees its blocks in order), so only 4 accumulators are live, then
/// reduces the sets as the matrix–vector kernels do.
/// </summary>
internal abstract unsafe class Block32Gemm<TWeights> : RowGemm where TWeights : struct, IBlock32Weights
{
    protected const int TileTokens = 4;

    public override GgmlType WeightType => TWeights.Type;

    /// <summary>True when this kernel starts each block's integer sums from the prepared −offset·Σa lanes.</summary>
    protected abstract bool UsesOffsets { get; }

    private static bool Q8_1 => TWeights.HasMin;

    public override long PreparedBytes(int n, int tokens) => Block32Prepared.Bytes(n / 32, tokens, Q8_1, UsesOffsets);

    public override void Prepare(byte* a, nint aStride, int tokens, int n, byte* prepared) =>
        new Block32Prepared(prepared, n / 32, Q8_1, UsesOffsets).Fill(a, aStride, tokens, n / 32, Q8_1, UsesOffsets ? TWeights.Offset : 0);

    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int firstToken, int tokens, int n,
        float* y, nint yStride)
    {
        int blocks = n / 32;
        var prep = new Block32Prepared(prepared, blocks, Q8_1, UsesOffsets);
        int qsOffset = Q8_1 ? 4 : 2;
        var ts = stackalloc int[TileTokens];
        var results = stackalloc float[TileTokens];
        for (int t0 = firstToken; t0 < firstToken + tokens; t0 += TileTokens)
        {
            int count = Math.Min(TileTokens, firstToken + tokens - t0);
            // A short tile repeats its last token in the unused places and drops those results.
            for (int i = 0; i < TileTokens; i++) ts[i] = t0 + Math.Min(i, count - 1);
            var tile = new TokenTile(a, aStride, qsOffset, prep, ts, UsesOffsets);
            for (int r = 0; r < rows; r++)
            {
                Tile(w + r * wStride, blocks, tile, results);
                for (int i = 0; i < count; i++) y[(t0 + i) * yStride + r] = results[i];
            }
        }
    }

    protected abstract void Tile(byte* x, int blocks, in TokenTile tile, float* results);

    /// <summary>Where the 4 tokens' values, scales, sums and offsets live.</summary>
    protected readonly struct TokenTile
    {
        public readonly sbyte* A0, A1, A2, A3;
        public readonly float* S0, S1, S2, S3;
        public readonly float* M0, M1, M2, M3;
        public readonly int* O0, O1, O2, O3;

        public TokenTile(byte* a, nint aStride, int qsOffset, Block32Prepared prep, int* ts, bool offsets)
        {
            A0 = (sbyte*)(a + ts[0] * aStride + qsOffset);
            A1 = (sbyte*)(a + ts[1] * aStride + qsOffset);
            A2 = (sbyte*)(a + ts[2] * aStride + qsOffset);
            A3 = (sbyte*)(a + ts[3] * aStride + qsOffset);
            S0 = prep.Scales(ts[0]); S1 = prep.Scales(ts[1]); S2 = prep.Scales(ts[2]); S3 = prep.Scales(ts[3]);
            if (Q8_1)
            {
                M0 = prep.Sums(ts[0]); M1 = prep.Sums(ts[1]); M2 = prep.Sums(ts[2]); M3 = prep.Sums(ts[3]);
            }
            if (offsets)
            {
                O0 = prep.Offsets(ts[0], Q8_1); O1 = prep.Offsets(ts[1], Q8_1); O2 = prep.Offsets(ts[2], Q8_1); O3 = prep.Offsets(ts[3], Q8_1);
            }
        }
    }

    /// <summary>
    /// The minimum terms of Q4_1/Q5_1 for one set: <c>m ← fma(f(m_w), s_a, m)</c> per token over the set's blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void MinSet(byte* x, int blocks, int set, in TokenTile tile, float* f16, float* m)
    {
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = set; b < blocks; b += 4)
        {
            float mw = f16[TWeights.MinBits(x + b * TWeights.Size)];
            m0 = MathF.FusedMultiplyAdd(mw, tile.M0[b], m0);
            m1 = MathF.FusedMultiplyAdd(mw, tile.M1[b], m1);
            m2 = MathF.FusedMultiplyAdd(mw, tile.M2[b], m2);
            m3 = MathF.FusedMultiplyAdd(mw, tile.M3[b], m3);
        }
        m[0] = m0; m[1] = m1; m[2] = m2; m[3] = m3;
    }

    /// <summary>Folds the 4 tokens' sets 0|2 and 1|3 sums (and minimum terms) into results, as the matrix–vector kernels do.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Finish(Vector256<float>* s02, Vector256<float>* s13, float* mins, float* results)
    {
        for (int t = 0; t < TileTokens; t++)
        {
            float r = LaneSums.Fold(Avx.Add(s02[t], s13[t]));
            // mins holds [set][token]: (m0 + m2) + (m1 + m3).
            if (TWeights.HasMin) r += (mins[t] + mins[8 + t]) + (mins[4 + t] + mins[12 + t]);
            results[t] = r;
        }
    }
}

/// <summary>32-block tiles with AVX-VNNI: <c>vpdpbusd</c> of the unsigned weights (decoded once) against each token.</summary>
internal abstract unsafe class Block32GemmAvxVnni<TWeights> : Block32Gemm<TWeights> where TWeights : struct, IBlock32Weights
{
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;
    protected override bool UsesOffsets => TWeights.Offset != 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(byte* x, int blocks, in TokenTile tile, float* results)
    {
        float* f16 = Fp16.Table;
        var sets = stackalloc Vector256<float>[2 * TileTokens];
        float* mins = stackalloc float[16];
        Vector256<float>* s02 = sets, s13 = sets + TileTokens;
        // Sets in the order 0, 2, 1, 3 so that (set0 + set2) and (set1 + set3) form as the passes finish.
        for (int pass = 0; pass < 4; pass++)
        {
            int set = pass switch { 0 => 0, 1 => 2, 2 => 1, _ => 3 };
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            for (int b = set; b < blocks; b += 4)
            {
                byte* xb = x + b * TWeights.Size;
                var u = TWeights.Unsigned(xb);
                var wd = Vector256.Create(f16[TWeights.ScaleBits(xb)]);
                nint ao = (nint)b * (TWeights.HasMin ? BlockQ8_1.Size : BlockQ8_0.Size);
                acc0 = Block(u, wd, tile.A0 + ao, tile.S0 + b, tile.O0 + 8 * b, acc0);
                acc1 = Block(u, wd, tile.A1 + ao, tile.S1 + b, tile.O1 + 8 * b, acc1);
                acc2 = Block(u, wd, tile.A2 + ao, tile.S2 + b, tile.O2 + 8 * b, acc2);
                acc3 = Block(u, wd, tile.A3 + ao, tile.S3 + b, tile.O3 + 8 * b, acc3);
            }
            var target = pass < 2 ? s02 : s13;
            if ((pass & 1) == 0)
            {
                target[0] = acc0; target[1] = acc1; target[2] = acc2; target[3] = acc3;
            }
            else
            {
                target[0] = Avx.Add(target[0], acc0); target[1] = Avx.Add(target[1], acc1);
                target[2] = Avx.Add(target[2], acc2); target[3] = Avx.Add(target[3], acc3);
            }
            if (TWeights.HasMin) MinSet(x, blocks, set, tile, f16, mins + 4 * set);
        }
        Finish(s02, s13, mins, results);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(Vector256<byte> u, Vector256<float> wd, sbyte* a, float* activationScale, int* offset, Vector256<float> acc)
    {
        var start = TWeights.Offset != 0 ? Avx.LoadAlignedVector256(offset) : Vector256<int>.Zero;
        var sums = Int8Dot.Vnni(start, u, Avx.LoadVector256(a));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*activationScale)), Avx.ConvertToVector256Single(sums), acc);
    }
}

/// <summary>32-block tiles with AVX2: <c>vpmaddubsw</c> + <c>vpmaddwd</c>; signed formats through the abs/sign trick.</summary>
internal abstract unsafe class Block32GemmAvx2<TWeights> : Block32Gemm<TWeights> where TWeights : struct, IBlock32Weights
{
    public override IsaLevel Isa => IsaLevel.Avx2;
    protected override bool UsesOffsets => TWeights.Offset is > 0 and < 128;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(byte* x, int blocks, in TokenTile tile, float* results)
    {
        float* f16 = Fp16.Table;
        var sets = stackalloc Vector256<float>[2 * TileTokens];
        float* mins = stackalloc float[16];
        Vector256<float>* s02 = sets, s13 = sets + TileTokens;
        for (int pass = 0; pass < 4; pass++)
        {
            int set = pass switch { 0 => 0, 1 => 2, 2 => 1, _ => 3 };
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            for (int b = set; b < blocks; b += 4)
            {
                byte* xb = x + b * TWeights.Size;
                var wd = Vector256.Create(f16[TWeights.ScaleBits(xb)]);
                nint ao = (nint)b * (TWeights.HasMin ? BlockQ8_1.Size : BlockQ8_0.Size);
                if (TWeights.Offset == 128)
                {
                    var sw = TWeights.Signed(xb);
                    var abs = Avx2.Abs(sw);
                    acc0 = Signed(abs, sw, wd, tile.A0 + ao, tile.S0 + b, acc0);
                    acc1 = Signed(abs, sw, wd, tile.A1 + ao, tile.S1 + b, acc1);
                    acc2 = Signed(abs, sw, wd, tile.A2 + ao, tile.S2 + b, acc2);
                    acc3 = Signed(abs, sw, wd, tile.A3 + ao, tile.S3 + b, acc3);
                }
                else
                {
                    var u = TWeights.Unsigned(xb);
                    acc0 = Unsigned(u, wd, tile.A0 + ao, tile.S0 + b, tile.O0 + 8 * b, acc0);
                    acc1 = Unsigned(u, wd, tile.A1 + ao, tile.S1 + b, tile.O1 + 8 * b, acc1);
                    acc2 = Unsigned(u, wd, tile.A2 + ao, tile.S2 + b, tile.O2 + 8 * b, acc2);
                    acc3 = Unsigned(u, wd, tile.A3 + ao, tile.S3 + b, tile.O3 + 8 * b, acc3);
                }
            }
            var target = pass < 2 ? s02 : s13;
            if ((pass & 1) == 0)
            {
                target[0] = acc0; target[1] = acc1; target[2] = acc2; target[3] = acc3;
            }
            else
            {
                target[0] = Avx.Add(target[0], acc0); target[1] = Avx.Add(target[1], acc1);
                target[2] = Avx.Add(target[2], acc2); target[3] = Avx.Add(target[3], acc3);
            }
            if (TWeights.HasMin) MinSet(x, blocks, set, tile, f16, mins + 4 * set);
        }
        Finish(s02, s13, mins, results);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Signed(Vector256<byte> abs, Vector256<sbyte> w, Vector256<float> wd, sbyte* a, float* activationScale, Vector256<float> acc)
    {
        var sums = Int8Dot.Madd(abs, Avx2.Sign(Avx.LoadVector256(a), w));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*activationScale)), Avx.ConvertToVector256Single(sums), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Unsigned(Vector256<byte> u, Vector256<float> wd, sbyte* a, float* activationScale, int* offset, Vector256<float> acc)
    {
        var sums = Int8Dot.Madd(u, Avx.LoadVector256(a));
        if (TWeights.Offset != 0) sums = Avx2.Add(sums, Avx.LoadAlignedVector256(offset));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*activationScale)), Avx.ConvertToVector256Single(sums), acc);
    }
}

internal sealed class Q8_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ8_0> { public static readonly Q8_0GemmAvxVnni Instance = new(); }
internal sealed class Q8_0GemmAvx2 : Block32GemmAvx2<BlockQ8_0> { public static readonly Q8_0GemmAvx2 Instance = new(); }
internal sealed class Q4_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ4_0> { public static readonly Q4_0GemmAvxVnni Instance = new(); }
internal sealed class Q4_0GemmAvx2 : Block32GemmAvx2<BlockQ4_0> { public static readonly Q4_0GemmAvx2 Instance = new(); }
internal sealed class Q5_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ5_0> { public static readonly Q5_0GemmAvxVnni Instance = new(); }
internal sealed class Q5_0GemmAvx2 : Block32GemmAvx2<BlockQ5_0> { public static readonly Q5_0GemmAvx2 Instance = new(); }
internal sealed class IQ4_NLGemmAvxVnni : Block32GemmAvxVnni<BlockIQ4_NL> { public static readonly IQ4_NLGemmAvxVnni Instance = new(); }
internal sealed class IQ4_NLGemmAvx2 : Block32GemmAvx2<BlockIQ4_NL> { public static readonly IQ4_NLGemmAvx2 Instance = new(); }
internal sealed class Q4_1GemmAvxVnni : Block32GemmAvxVnni<BlockQ4_1> { public static readonly Q4_1GemmAvxVnni Instance = new(); }
internal sealed class Q4_1GemmAvx2 : Block32GemmAvx2<BlockQ4_1> { public static readonly Q4_1GemmAvx2 Instance = new(); }
internal sealed class Q5_1GemmAvxVnni : Block32GemmAvxVnni<BlockQ5_1> { public static readonly Q5_1GemmAvxVnni Instance = new(); }
internal sealed class Q5_1GemmAvx2 : Block32GemmAvx2<BlockQ5_1> { public static readonly Q5_1GemmAvx2 Instance = new(); }
