namespace Corral.Engine.Quants;

// Q5_0 weights · Q8_0 activations: the 32-block kernels specialised for BlockQ5_0 (see Block32DotScalar for the math and order).

internal sealed class Q5_0DotScalar : Block32DotScalar<BlockQ5_0>
{
    public static readonly Q5_0DotScalar Instance = new();
}

internal sealed class Q5_0DotAvx2 : Block32DotAvx2<BlockQ5_0>
{
    public static readonly Q5_0DotAvx2 Instance = new();
}

internal sealed class Q5_0DotAvxVnni : Block32DotAvxVnni<BlockQ5_0>
{
    public static readonly Q5_0DotAvxVnni Instance = new();
}

internal sealed class Q5_0DotAvx512 : Block32DotAvx512<BlockQ5_0>
{
    public static readonly Q5_0DotAvx512 Instance = new();
}
