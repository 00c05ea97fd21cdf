using Corral.Engine.Tensors;

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
        if (!Kernels.MatMul.Supports(m.Type))
            throw new ModelLoadException($"tensor '{m.Name}' has type {GgmlTypeInfo.Name(m.Type)}, which Corral does not support");
    }
}
