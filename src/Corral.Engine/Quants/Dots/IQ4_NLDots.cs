namespace Corral.Engine.Quants;

// IQ4_NL weights · Q8_0 activations: the 32-block kernels specialised for BlockIQ4_NL (see Block32DotScalar for the math and order).

internal sealed class IQ4_NLDotScalar : Block32DotScalar<BlockIQ4_NL>
{
    public static readonly IQ4_NLDotScalar Instance = new();
}

internal sealed class IQ4_NLDotAvx2 : Block32DotAvx2<BlockIQ4_NL>
{
    public static readonly IQ4_NLDotAvx2 Instance = new();
}

internal sealed class IQ4_NLDotAvxVnni : Block32DotAvxVnni<BlockIQ4_NL>
{
    public static readonly IQ4_NLDotAvxVnni Instance = new();
}

internal sealed class IQ4_NLDotAvx512 : Block32DotAvx512<BlockIQ4_NL>
{
    public static readonly IQ4_NLDotAvx512 Instance = new();
}
