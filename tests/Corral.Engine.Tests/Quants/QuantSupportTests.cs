using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

public class QuantSupportTests
{
    [Fact]
    public void UnsupportedTypeNamesTensorAndType()
    {
        var e = Assert.Throws<UnsupportedTensorTypeException>(() => QuantSupport.EnsureSupported("blk.0.attn_q.weight", GgmlType.IQ2_XXS));
        Assert.Equal("tensor 'blk.0.attn_q.weight' has type IQ2_XXS, which Corral does not support yet", e.Message);
        Assert.Equal("blk.0.attn_q.weight", e.TensorName);
        Assert.Equal(GgmlType.IQ2_XXS, e.Type);
    }

    [Fact]
    public void UnknownTypeIdIsNamedByNumber()
    {
        var e = Assert.Throws<UnsupportedTensorTypeException>(() => QuantSupport.EnsureSupported("x", (GgmlType)99));
        Assert.Contains("type99", e.Message);
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.IQ4_NL)]
    public void SupportedTypesPass(GgmlType type) => QuantSupport.EnsureSupported("t", type);
}
