namespace Corral.Engine.Quants;

// Q5_1 weights · Q8_1 activations: the 32-block kernels specialised for BlockQ5_1 (see Block32DotScalar for the math and order).

internal sealed class Q5_1DotScalar : Block32DotScalar<BlockQ5_1>
{
    public static readonly Q5_1DotScalar Instance = new();
}

internal sealed class Q5_1DotAvx2 : Block32DotAvx2<BlockQ5_1>
{
    public static readonly Q5_1DotAvx2 Instance = new();
}

internal sealed class Q5_1DotAvxVnni : Block32DotAvxVnni<BlockQ5_1>
{
    public static readonly Q5_1DotAvxVnni Instance = new();
}

internal sealed class Q5_1DotAvx512 : Block32DotAvx512<BlockQ5_1>
{
    public static readonly Q5_1DotAvx512 Instance = new();
}
