namespace Corral.Engine.Quants;

// Q4_0 weights · Q8_0 activations: the 32-block kernels specialised for BlockQ4_0 (see Block32DotScalar for the math and order).

internal sealed class Q4_0DotScalar : Block32DotScalar<BlockQ4_0>
{
    public static readonly Q4_0DotScalar Instance = new();
}

internal sealed class Q4_0DotAvx2 : Block32DotAvx2<BlockQ4_0>
{
    public static readonly Q4_0DotAvx2 Instance = new();
}

internal sealed class Q4_0DotAvxVnni : Block32DotAvxVnni<BlockQ4_0>
{
    public static readonly Q4_0DotAvxVnni Instance = new();
}

internal sealed class Q4_0DotAvx512 : Block32DotAvx512<BlockQ4_0>
{
    public static readonly Q4_0DotAvx512 Instance = new();
}
