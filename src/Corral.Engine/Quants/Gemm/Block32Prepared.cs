using System.Runtime.CompilerServices;

namespace Corral.Engine.Quants;

/// <summary>
/// Q8_0 / Q8_1 activation rows prepared once per matrix product for the 32-block tiles, the shared-buffer form of
/// <see cref="Block32Activations"/>: per token its block scales (and Q8_1 sums) as f32 and, for weight formats fed
/// as <c>value + offset</c>, the 8 lane sums of −offset·a per block from which the exact integer sums start.
/// </summary>
internal readonly unsafe struct Block32Prepared
{
    private readonly byte* _base;
    private readonly long _tokenBytes;
    private readonly long _floatBytes;

    public Block32Prepared(byte* prepared, int blocks, bool q8_1, bool offsets)
    {
        _base = prepared;
        _floatBytes = ((long)blocks * sizeof(float) + 63) & ~63L;
        _tokenBytes = _floatBytes * (q8_1 ? 2 : 1) + (offsets ? blocks * 32L : 0);
    }

    public static long Bytes(int blocks, int tokens, bool q8_1, bool offsets) => new Block32Prepared(null, blocks, q8_1, offsets)._tokenBytes * tokens;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Scales(int token) => (float*)(_base + token * _tokenBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Sums(int token) => (float*)(_base + token * _tokenBytes + _floatBytes);

    /// <summary>8 int32 per block (32-byte aligned), after the scales (and sums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int* Offsets(int token, bool q8_1) => (int*)(_base + token * _tokenBytes + _floatBytes * (q8_1 ? 2 : 1));

    /// <summary>Fills the prepared data of every token from its Q8_0 (or Q8_1) row.</summary>
    public void Fill(byte* a, nint aStride, int tokens, int blocks, bool q8_1, int offset)
    {
        int stride = q8_1 ? BlockQ8_1.Size : BlockQ8_0.Size;
        for (int t = 0; t < tokens; t++)
        {
            byte* row = a + t * aStride;
            float* scales = Scales(t);
            float* sums = q8_1 ? Sums(t) : null;
            int* offsets = offset > 0 ? Offsets(t, q8_1) : null;
            for (int b = 0; b < blocks; b++)
            {
                byte* block = row + (long)b * stride;
                scales[b] = Fp16.ToSingle(*(ushort*)block);
                if (q8_1) sums[b] = Fp16.ToSingle(*(ushort*)(block + 2));
                if (offsets == null) continue;
                sbyte* qs = (sbyte*)block + (q8_1 ? 4 : 2);
                for (int k = 0; k < 8; k++)
                    offsets[8 * b + k] = -offset * (qs[4 * k] + qs[4 * k + 1] + qs[4 * k + 2] + qs[4 * k + 3]);
            }
        }
    }
}
