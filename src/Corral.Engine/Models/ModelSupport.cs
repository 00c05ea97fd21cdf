using Corral.Engine.Quants;

namespace Corral.Engine.Models;

/// <summary>Load-time check that every matrix has a kernel, so an unsupported type fails at load with its name.</summary>
public static class ModelSupport
{
    public static void EnsureKernels(TransformerWeights w)
    {
        Check(w.TokenEmbedding);
        foreach (var m in w.Products()) Check(m);
    }

    private static void Check(WeightMatrix m)
    {
        if (!QuantSupport.IsSupported(m.Type))
            throw new ModelLoadException(new UnsupportedTensorTypeException(m.Name, m.Type).Message);
    }
}
