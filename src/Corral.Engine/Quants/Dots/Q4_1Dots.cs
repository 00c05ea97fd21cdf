namespace Corral.Engine.Quants;

// Q4_1 weights · Q8_1 activations: the 32-block kernels specialised for BlockQ4_1 (see Block32DotScalar for the math and order).

internal sealed class Q4_1DotScalar : Block32DotScalar<BlockQ4_1>
{
    public static readonly Q4_1DotScalar Instance = new();
}

internal sealed class Q4_1DotAvx2 : Block32DotAvx2<BlockQ4_1>
{
    public static readonly Q4_1DotAvx2 Instance = new();
}

internal sealed class Q4_1DotAvxVnni : Block32DotAvxVnni<BlockQ4_1>
{
    public static readonly Q4_1DotAvxVnni Instance = new();
}

internal sealed class Q4_1DotAvx512 : Block32DotAvx512<BlockQ4_1>
{
    public static readonly Q4_1DotAvx512 Instance = new();
}
