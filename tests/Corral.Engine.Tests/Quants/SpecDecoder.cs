using System.Buffers.Binary;
using System.Numerics;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

/// <summary>
/// An independent decoder written straight from engine.md §2.3: every element is located by its own index formula
/// (no shared loops or structs with the library). Arithmetic runs in <typeparamref name="T"/>: with <c>float</c> it follows
/// the spec's evaluation order and must match the library bit for bit; with <c>double</c> it is exact, the reference for
/// dot products. In magnitude mode (double only) each value is |scale part| + |min part|, a bound for error tolerances.
/// </summary>
internal static class SpecDecoder<T> where T : IFloatingPointIeee754<T>
{
    private static readonly int[] s_iq4nl = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    public static T[] Decode(GgmlType type, ReadOnlySpan<byte> data, int n, bool magnitude = false)
    {
        var y = new T[n];
        int bs = GgmlTypeInfo.BlockSize(type), ts = GgmlTypeInfo.TypeSize(type);
        for (int e = 0; e < n; e++)
        {
            var blk = data.Slice(e / bs * ts, ts);
            y[e] = Element(type, blk, e % bs, magnitude);
        }
        return y;
    }

    private static T F(int v) => T.CreateChecked(v);
    private static T H(ReadOnlySpan<byte> b, int at) => T.CreateChecked((float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(b[at..])));
    private static int Nib(ReadOnlySpan<byte> qs, int e) => e < 16 ? qs[e] & 0xF : qs[e - 16] >> 4;
    private static T Combine(T scaled, T min, bool magnitude) => magnitude ? T.Abs(scaled) + T.Abs(min) : scaled - min;

    private static T Element(GgmlType type, ReadOnlySpan<byte> b, int e, bool mag)
    {
        switch (type)
        {
            case GgmlType.F32: return T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(b));
            case GgmlType.F16: return H(b, 0);
            case GgmlType.BF16: return T.CreateChecked(BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(b) << 16));
            case GgmlType.Q4_0: return F(Nib(b[2..], e) - 8) * H(b, 0);
            case GgmlType.Q4_1: return Combine(F(Nib(b[4..], e)) * H(b, 0), -H(b, 2), mag);
            case GgmlType.Q5_0:
            {
                uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b[2..]);
                return F((Nib(b[6..], e) | (int)(qh >> e & 1) << 4) - 16) * H(b, 0);
            }
            case GgmlType.Q5_1:
            {
                uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
                return Combine(F(Nib(b[8..], e) | (int)(qh >> e & 1) << 4) * H(b, 0), -H(b, 2), mag);
            }
            case GgmlType.Q8_0: return F((sbyte)b[2 + e]) * H(b, 0);
            case GgmlType.Q8_1: return F((sbyte)b[4 + e]) * H(b, 0);
            case GgmlType.IQ4_NL: return H(b, 0) * F(s_iq4nl[Nib(b[2..], e)]);
            case GgmlType.IQ4_XS:
            {
                int ib = e / 32;
                int ls = ((b[4 + ib / 2] >> 4 * (ib % 2)) & 0xF) | ((BinaryPrimitives.ReadUInt16LittleEndian(b[2..]) >> 2 * ib) & 3) << 4;
                return H(b, 0) * F(ls - 32) * F(s_iq4nl[Nib(b.Slice(8 + 16 * ib, 16), e % 32)]);
            }
            case GgmlType.Q2_K:
            {
                int h = e / 128, j = e % 128 / 32, s = e % 32 / 16, l = e % 16;
                int q = (b[16 + 32 * h + 16 * s + l] >> 2 * j) & 3;
                int sc = b[8 * h + 2 * j + s];
                return Combine(H(b, 80) * F(sc & 0xF) * F(q), H(b, 82) * F(sc >> 4), mag);
            }
            case GgmlType.Q3_K:
            {
                int h = e / 128, j = e % 128 / 32, s = e % 32 / 16, l = e % 16;
                bool high = (b[e % 32] >> (e / 32) & 1) != 0;
                int q = ((b[32 + 32 * h + 16 * s + l] >> 2 * j) & 3) - (high ? 0 : 4);
                int t = 8 * h + 2 * j + s;
                int lo4 = t < 8 ? b[96 + t] & 0xF : b[96 + t - 8] >> 4;
                int hi2 = (b[96 + 8 + t % 4] >> 2 * (t / 4)) & 3;
                return H(b, 108) * F((lo4 | hi2 << 4) - 32) * F(q);
            }
            case GgmlType.Q4_K:
            case GgmlType.Q5_K:
            {
                int c = e / 64, l = e % 32, upper = e % 64 / 32, t = 2 * c + upper;
                int qsAt = type == GgmlType.Q4_K ? 16 : 48;
                int q = upper == 1 ? b[qsAt + 32 * c + l] >> 4 : b[qsAt + 32 * c + l] & 0xF;
                if (type == GgmlType.Q5_K) q += 16 * ((b[16 + l] >> t) & 1);
                var s = b.Slice(4, 12);
                int sc = t < 4 ? s[t] & 63 : (s[t + 4] & 0xF) | (s[t - 4] >> 6) << 4;
                int mn = t < 4 ? s[t + 4] & 63 : (s[t + 4] >> 4) | (s[t] >> 6) << 4;
                return Combine(H(b, 0) * F(sc) * F(q), H(b, 2) * F(mn), mag);
            }
            case GgmlType.Q6_K:
            {
                int h = e / 128, r = e % 128, k = r / 32, l = r % 32;
                int lowByte = b[64 * h + l + ((k & 1) != 0 ? 32 : 0)];
                int low = k < 2 ? lowByte & 0xF : lowByte >> 4;
                int high = (b[128 + 32 * h + l] >> 2 * k) & 3;
                return H(b, 208) * F((sbyte)b[192 + 8 * h + r / 16]) * F((low | high << 4) - 32);
            }
            case GgmlType.Q8_K: return T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(b)) * F((sbyte)b[4 + e]);
            default: throw new NotSupportedException(type.ToString());
        }
    }
}
