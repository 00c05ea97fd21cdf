using Corral.Engine.Quants;

namespace Corral.Engine.Models;

/// <summary>Load-time check that every matrix has a kernel, so an unsupported type fails at load with its name.</summary>
public static class ModelSupport
{
    public static void EnsureKernels(TransformerWeights w)
    {
        Check(w.TokenEmbedding);
        Check(w.Output);
        foreach (var l in w.Layers)
        {
            Check(l.Wq); Check(l.Wk); Check(l.Wv); Check(l.Wo); Check(l.Gate); Check(l.Up); Check(l.Down);
        }
    }

    private static void Check(WeightMatrix m)
    {
        if (!QuantSupport.IsSupported(m.Type))
            throw new ModelLoadException(new UnsupportedTensorTypeException(m.Name, m.Type).Message);
    }
}
