namespace Corral.Engine.Quants;

// Q8_0 weights · Q8_0 activations: the 32-block kernels specialised for BlockQ8_0 (see Block32DotScalar for the math and order).

internal sealed class Q8_0DotScalar : Block32DotScalar<BlockQ8_0>
{
    public static readonly Q8_0DotScalar Instance = new();
}

internal sealed class Q8_0DotAvx2 : Block32DotAvx2<BlockQ8_0>
{
    public static readonly Q8_0DotAvx2 Instance = new();
}

internal sealed class Q8_0DotAvxVnni : Block32DotAvxVnni<BlockQ8_0>
{
    public static readonly Q8_0DotAvxVnni Instance = new();
}

internal sealed class Q8_0DotAvx512 : Block32DotAvx512<BlockQ8_0>
{
    public static readonly Q8_0DotAvx512 Instance = new();
}
