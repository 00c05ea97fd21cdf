namespace Corral.Engine.Tensors;

/// <summary>ggml tensor element types, with the ids GGUF files store (engine.md §2.1).</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
}

/// <summary>Block geometry of each <see cref="GgmlType"/>.</summary>
public static class GgmlTypeInfo
{
    public const int QK_K = 256;

    private static readonly (int BlockSize, int TypeSize)[] s_table = Build();

    private static (int, int)[] Build()
    {
        var t = new (int, int)[43];
        void Set(GgmlType ty, int b, int s) => t[(int)ty] = (b, s);
        Set(GgmlType.F32, 1, 4); Set(GgmlType.F16, 1, 2); Set(GgmlType.BF16, 1, 2);
        Set(GgmlType.Q4_0, 32, 18); Set(GgmlType.Q4_1, 32, 20); Set(GgmlType.Q5_0, 32, 22); Set(GgmlType.Q5_1, 32, 24);
        Set(GgmlType.Q8_0, 32, 34); Set(GgmlType.Q8_1, 32, 36);
        Set(GgmlType.Q2_K, 256, 84); Set(GgmlType.Q3_K, 256, 110); Set(GgmlType.Q4_K, 256, 144);
        Set(GgmlType.Q5_K, 256, 176); Set(GgmlType.Q6_K, 256, 210); Set(GgmlType.Q8_K, 256, 292);
        Set(GgmlType.IQ2_XXS, 256, 66); Set(GgmlType.IQ2_XS, 256, 74); Set(GgmlType.IQ3_XXS, 256, 98);
        Set(GgmlType.IQ1_S, 256, 50); Set(GgmlType.IQ4_NL, 32, 18); Set(GgmlType.IQ3_S, 256, 110);
        Set(GgmlType.IQ2_S, 256, 82); Set(GgmlType.IQ4_XS, 256, 136);
        Set(GgmlType.I8, 1, 1); Set(GgmlType.I16, 1, 2); Set(GgmlType.I32, 1, 4); Set(GgmlType.I64, 1, 8); Set(GgmlType.F64, 1, 8);
        Set(GgmlType.IQ1_M, 256, 56); Set(GgmlType.TQ1_0, 256, 54); Set(GgmlType.TQ2_0, 256, 66);
        Set(GgmlType.MXFP4, 32, 17); Set(GgmlType.NVFP4, 64, 36); Set(GgmlType.Q1_0, 128, 18); Set(GgmlType.Q2_0, 64, 18);
        return t;
    }

    /// <summary>True when <paramref name="type"/> is an id this build knows the geometry of.</summary>
    public static bool IsKnown(GgmlType type) => (uint)type < (uint)s_table.Length && s_table[(int)type].BlockSize != 0;

    public static int BlockSize(GgmlType type) => s_table[(int)type].BlockSize;

    public static int TypeSize(GgmlType type) => s_table[(int)type].TypeSize;

    /// <summary>Bytes of one row of <paramref name="ne0"/> elements.</summary>
    public static long RowSize(GgmlType type, long ne0) => ne0 / BlockSize(type) * TypeSize(type);

    /// <summary>The name llama.cpp prints for a type (e.g. <c>Q4_K</c>).</summary>
    public static string Name(GgmlType type) => Enum.IsDefined(type) ? type.ToString() : $"type{(uint)type}";
}
