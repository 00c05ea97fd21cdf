using Corral.Engine.Sampling;

namespace Corral.Engine.Tests.Inference;

/// <summary>Greedy decoding's vectorised argmax must pick exactly what the scalar loop picks: the first maximum, NaNs ignored.</summary>
public class ArgMaxTests
{
    [Fact]
    public void VectorArgMaxEqualsTheScalarLoop()
    {
        var rng = new Random(7);
        foreach (int n in new[] { 1, 2, 7, 15, 16, 17, 33, 1000, 151_936 })
        {
            for (int trial = 0; trial < 40; trial++)
            {
                var l = new float[n];
                // Few distinct values, so ties are common; some −∞ (suppressed tokens), NaN, ±0.
                for (int i = 0; i < n; i++)
                {
                    l[i] = rng.Next(12) switch
                    {
                        0 => float.NegativeInfinity,
                        1 => float.NaN,
                        2 => -0f,
                        3 => 0f,
                        _ => rng.Next(-4, 5) * 0.5f,
                    };
                }
                if (trial % 5 == 0) Array.Fill(l, float.NegativeInfinity);
                if (trial % 7 == 0) l[rng.Next(n)] = float.PositiveInfinity;
                if (trial % 9 == 0) l[0] = float.NaN;
                Assert.Equal(Sampler.ArgMaxScalar(l), Sampler.ArgMax(l));
            }
        }
    }
}
