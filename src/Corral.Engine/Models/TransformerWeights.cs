namespace Corral.Engine.Models;

/// <summary>One decoder block's weights. Optional parts are null when the architecture lacks them.</summary>
public sealed class TransformerLayer
{
    public required float[] AttnNorm { get; init; }
    public required WeightMatrix Wq { get; init; }
    public required WeightMatrix Wk { get; init; }
    public required WeightMatrix Wv { get; init; }
    public required WeightMatrix Wo { get; init; }
    public float[]? Bq { get; init; }
    public float[]? Bk { get; init; }
    public float[]? Bv { get; init; }
    public float[]? Bo { get; init; }
    /// <summary>Per-head RMSNorm weights for Q and K (qwen3, gemma3).</summary>
    public float[]? QNorm { get; init; }
    public float[]? KNorm { get; init; }
    /// <summary>Norm of the attention output before the residual add (gemma2/3).</summary>
    public float[]? PostAttnNorm { get; init; }
    public required float[] FfnNorm { get; init; }
    public required WeightMatrix Gate { get; init; }
    public required WeightMatrix Up { get; init; }
    public required WeightMatrix Down { get; init; }
    /// <summary>Norm of the FFN output before the residual add (gemma2/3).</summary>
    public float[]? PostFfnNorm { get; init; }
}

/// <summary>All weights of a decoder model; matrices point into the mapped file.</summary>
public sealed class TransformerWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }
    public required TransformerLayer[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }
    /// <summary>The lm_head; the token embedding itself when tied.</summary>
    public required WeightMatrix Output { get; init; }

    /// <summary>The matrices the forward pass multiplies: the output and each layer's seven (the embedding is only read by row).</summary>
    public IEnumerable<WeightMatrix> Products()
    {
        yield return Output;
        foreach (var l in Layers)
        {
            yield return l.Wq; yield return l.Wk; yield return l.Wv; yield return l.Wo;
            yield return l.Gate; yield return l.Up; yield return l.Down;
        }
    }
    public float[]? OutputBias { get; init; }
    public float[]? RopeFreqs { get; init; }
    public float[]? RopeFactorsLong { get; init; }
    public float[]? RopeFactorsShort { get; init; }
}
