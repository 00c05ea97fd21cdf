using System.Buffers.Binary;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quantization;

/// <summary>
/// A plain, test-only dequantizer written from the block layouts in engine.md §2.3, so the quantizers'
/// output can be checked for round-trip sanity without depending on the engine's kernels.
/// </summary>
internal static class TestDequantizer
{
    private static readonly sbyte[] s_iq4 = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    private static float H(ReadOnlySpan<byte> b, int at) => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(b[at..]));

    public static float[] Dequantize(GgmlType type, ReadOnlySpan<byte> data, int count)
    {
        var y = new float[count];
        int bs = GgmlTypeInfo.BlockSize(type), ts = GgmlTypeInfo.TypeSize(type);
        for (int b = 0; b < count / bs; b++)
            Block(type, data.Slice(b * ts, ts), y.AsSpan(b * bs, bs));
        return y;
    }

    private static void Block(GgmlType type, ReadOnlySpan<byte> x, Span<float> y)
    {
        switch (type)
        {
            case GgmlType.F32: y[0] = BinaryPrimitives.ReadSingleLittleEndian(x); break;
            case GgmlType.F16: y[0] = H(x, 0); break;
            case GgmlType.BF16: y[0] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(x) << 16); break;
            case GgmlType.Q8_0:
                for (int j = 0; j < 32; j++) y[j] = (sbyte)x[2 + j] * H(x, 0);
                break;
            case GgmlType.Q4_0:
            case GgmlType.IQ4_NL:
                for (int j = 0; j < 16; j++)
                {
                    int lo = x[2 + j] & 15, hi = x[2 + j] >> 4;
                    y[j] = type == GgmlType.Q4_0 ? (lo - 8) * H(x, 0) : s_iq4[lo] * H(x, 0);
                    y[j + 16] = type == GgmlType.Q4_0 ? (hi - 8) * H(x, 0) : s_iq4[hi] * H(x, 0);
                }
                break;
            case GgmlType.Q4_1:
                for (int j = 0; j < 16; j++)
                {
                    y[j] = (x[4 + j] & 15) * H(x, 0) + H(x, 2);
                    y[j + 16] = (x[4 + j] >> 4) * H(x, 0) + H(x, 2);
                }
                break;
            case GgmlType.Q5_0:
            case GgmlType.Q5_1:
            {
                bool one = type == GgmlType.Q5_1;
                uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[(one ? 4 : 2)..]);
                var qs = x[(one ? 8 : 6)..];
                for (int j = 0; j < 16; j++)
                {
                    int q0 = (qs[j] & 15) | (int)((qh >> j) & 1) << 4;
                    int q1 = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                    y[j] = one ? q0 * H(x, 0) + H(x, 2) : (q0 - 16) * H(x, 0);
                    y[j + 16] = one ? q1 * H(x, 0) + H(x, 2) : (q1 - 16) * H(x, 0);
                }
                break;
            }
            case GgmlType.Q2_K:
                for (int e = 0; e < 256; e++)
                {
                    int h = e / 128, j = e % 128 / 32, s = e % 32 / 16, l = e % 16;
                    int q = (x[16 + 32 * h + 16 * s + l] >> (2 * j)) & 3;
                    int sc = x[8 * h + 2 * j + s];
                    y[e] = H(x, 80) * (sc & 15) * q - H(x, 82) * (sc >> 4);
                }
                break;
            case GgmlType.Q3_K:
                for (int e = 0; e < 256; e++)
                {
                    int h = e / 128, j = e % 128 / 32, s = e % 32 / 16, l = e % 16;
                    int t = 8 * h + 2 * j + s;
                    int lo4 = t < 8 ? x[96 + t] & 15 : x[96 + t - 8] >> 4;
                    int hi2 = (x[96 + 8 + t % 4] >> (2 * (t / 4))) & 3;
                    int scale = (lo4 | hi2 << 4) - 32;
                    int q = ((x[32 + 32 * h + 16 * s + l] >> (2 * j)) & 3) - (((x[e % 32] >> (e / 32)) & 1) != 0 ? 0 : 4);
                    y[e] = H(x, 108) * scale * q;
                }
                break;
            case GgmlType.Q4_K:
            case GgmlType.Q5_K:
            {
                bool five = type == GgmlType.Q5_K;
                var scales = x.Slice(4, 12);
                var qs = x[(five ? 48 : 16)..];
                for (int c = 0; c < 4; c++)
                {
                    ScaleMin(2 * c, scales, out int sc1, out int m1);
                    ScaleMin(2 * c + 1, scales, out int sc2, out int m2);
                    for (int l = 0; l < 32; l++)
                    {
                        int q1 = qs[32 * c + l] & 15, q2 = qs[32 * c + l] >> 4;
                        if (five)
                        {
                            q1 += ((x[16 + l] >> (2 * c)) & 1) * 16;
                            q2 += ((x[16 + l] >> (2 * c + 1)) & 1) * 16;
                        }
                        y[64 * c + l] = H(x, 0) * sc1 * q1 - H(x, 2) * m1;
                        y[64 * c + 32 + l] = H(x, 0) * sc2 * q2 - H(x, 2) * m2;
                    }
                }
                break;
            }
            case GgmlType.Q6_K:
                for (int h = 0; h < 2; h++)
                    for (int l = 0; l < 32; l++)
                    {
                        var L = x[(64 * h)..];
                        int hb = x[128 + 32 * h + l];
                        int i = l / 16;
                        int q1 = ((L[l] & 15) | ((hb >> 0) & 3) << 4) - 32;
                        int q2 = ((L[l + 32] & 15) | ((hb >> 2) & 3) << 4) - 32;
                        int q3 = ((L[l] >> 4) | ((hb >> 4) & 3) << 4) - 32;
                        int q4 = ((L[l + 32] >> 4) | ((hb >> 6) & 3) << 4) - 32;
                        var S = x[(192 + 8 * h)..];
                        float d = H(x, 208);
                        y[128 * h + l] = d * (sbyte)S[i] * q1;
                        y[128 * h + l + 32] = d * (sbyte)S[i + 2] * q2;
                        y[128 * h + l + 64] = d * (sbyte)S[i + 4] * q3;
                        y[128 * h + l + 96] = d * (sbyte)S[i + 6] * q4;
                    }
                break;
            case GgmlType.IQ4_XS:
            {
                int scalesH = BinaryPrimitives.ReadUInt16LittleEndian(x[2..]);
                for (int ib = 0; ib < 8; ib++)
                {
                    int ls = ((x[4 + ib / 2] >> (4 * (ib % 2))) & 15) | ((scalesH >> (2 * ib)) & 3) << 4;
                    float dl = H(x, 0) * (ls - 32);
                    for (int j = 0; j < 16; j++)
                    {
                        y[32 * ib + j] = dl * s_iq4[x[8 + 16 * ib + j] & 15];
                        y[32 * ib + j + 16] = dl * s_iq4[x[8 + 16 * ib + j] >> 4];
                    }
                }
                break;
            }
            default:
                throw new NotSupportedException(type.ToString());
        }
    }

    private static void ScaleMin(int j, ReadOnlySpan<byte> q, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = q[j] & 63;
            min = q[j + 4] & 63;
        }
        else
        {
            scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }
}
