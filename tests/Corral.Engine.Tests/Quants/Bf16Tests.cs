using Corral.Engine.Quants;

namespace Corral.Engine.Tests.Quants;

public class Bf16Tests
{
    [Theory]
    [InlineData(0x3F800000u, 0x3F80)] // 1.0
    [InlineData(0x3F808000u, 0x3F80)] // tie, low bit even: stays
    [InlineData(0x3F818000u, 0x3F82)] // tie, low bit odd: rounds up
    [InlineData(0x3F808001u, 0x3F81)] // above the tie
    [InlineData(0x7F7FFFFFu, 0x7F80)] // max float rounds to infinity
    [InlineData(0x7FC00001u, 0x7FC0)] // quiet NaN keeps its top bits
    [InlineData(0x7F800001u, 0x7FC0)] // signalling NaN: bit 6 forced on
    [InlineData(0xFF812345u, 0xFFC1)]
    public void FromSingleFollowsTheSpec(uint bits, int expected) =>
        Assert.Equal((ushort)expected, Bf16.FromSingle(BitConverter.UInt32BitsToSingle(bits)));

    [Fact]
    public void ToSingleIsAShift() => Assert.Equal(BitConverter.UInt32BitsToSingle(0xC0490000u), Bf16.ToSingle(0xC049));

    [Fact]
    public void EveryTierConvertsRunsLikeScalar()
    {
        var rng = new Random(5);
        const int n = 1031;
        var floats = new float[n];
        var halves = new ushort[n];
        for (int i = 0; i < n; i++)
        {
            floats[i] = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
            halves[i] = (ushort)rng.Next(65536);
        }
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var h = new ushort[n];
            var f = new float[n];
            unsafe
            {
                fixed (float* pf = floats) fixed (ushort* ph = h) Bf16.FromSingle(pf, ph, n, isa);
                fixed (ushort* ph = halves) fixed (float* pf = f) Bf16.ToSingle(ph, pf, n, isa);
            }
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Bf16.FromSingle(floats[i]), h[i]);
                Assert.Equal(BitConverter.SingleToUInt32Bits(Bf16.ToSingle(halves[i])), BitConverter.SingleToUInt32Bits(f[i]));
            }
        }
    }
}
