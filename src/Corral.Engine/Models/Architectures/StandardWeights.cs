namespace Corral.Engine.Models.Architectures;

/// <summary>Where an architecture's loader departs from the common tensor set.</summary>
public sealed record WeightOptions
{
    public static readonly WeightOptions Default = new();

    /// <summary>The lm_head is always <c>token_embd</c>; an <c>output.weight</c> is not read (gemma, gemma2).</summary>
    public bool AlwaysTied { get; init; }

    /// <summary>Load an optional <c>output.bias</c> (qwen2 is the only architecture whose loader does).</summary>
    public bool OutputBias { get; init; }
}

/// <summary>The llama tensor layout and its common variations (fused QKV, fused gate|up, biases, extra norms, tied output).</summary>
public static class StandardWeights
{
    public static TransformerWeights Load(TensorLoader l, ModelHyperparameters hp, WeightOptions? options = null)
    {
        options ??= WeightOptions.Default;
        int nEmbd = hp.EmbeddingLength;
        int qDim = hp.HeadCount * hp.HeadDimK;
        int kDim = hp.HeadCountKv * hp.HeadDimK;
        int vDim = hp.HeadCountKv * hp.HeadDimV;
        var embd = l.Matrix("token_embd.weight", nEmbd);
        var layers = new TransformerLayer[hp.BlockCount];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"blk.{i}.";
            WeightMatrix wq, wk, wv;
            float[]? bq = null, bk = null, bv = null;
            if (l.Has(p + "attn_qkv.weight"))
            {
                var qkv = l.Matrix(p + "attn_qkv.weight", nEmbd, qDim + kDim + vDim);
                wq = qkv.SliceRows(0, qDim, p + "attn_q(qkv)");
                wk = qkv.SliceRows(qDim, kDim, p + "attn_k(qkv)");
                wv = qkv.SliceRows(qDim + kDim, vDim, p + "attn_v(qkv)");
                if (l.OptionalVector(p + "attn_qkv.bias", qDim + kDim + vDim) is { } b)
                {
                    bq = b[..qDim];
                    bk = b[qDim..(qDim + kDim)];
                    bv = b[(qDim + kDim)..];
                }
            }
            else
            {
                wq = l.Matrix(p + "attn_q.weight", nEmbd, qDim);
                wk = l.Matrix(p + "attn_k.weight", nEmbd, kDim);
                wv = l.Matrix(p + "attn_v.weight", nEmbd, vDim);
            }
            bq ??= l.OptionalVector(p + "attn_q.bias", qDim);
            bk ??= l.OptionalVector(p + "attn_k.bias", kDim);
            bv ??= l.OptionalVector(p + "attn_v.bias", vDim);

            WeightMatrix gate, up;
            var upFull = l.Matrix(p + "ffn_up.weight", nEmbd);
            if (l.Has(p + "ffn_gate.weight"))
            {
                gate = l.Matrix(p + "ffn_gate.weight", nEmbd, upFull.Rows);
                up = upFull;
            }
            else
            {
                // phi3: ffn_up holds [gate | up].
                if (upFull.Rows % 2 != 0) throw new ModelLoadException($"tensor '{p}ffn_up.weight' is fused but has an odd row count {upFull.Rows}");
                int nFf = upFull.Rows / 2;
                gate = upFull.SliceRows(0, nFf, p + "ffn_gate(up)");
                up = upFull.SliceRows(nFf, nFf, p + "ffn_up(up)");
            }
            layers[i] = new TransformerLayer
            {
                AttnNorm = l.Vector(p + "attn_norm.weight", nEmbd),
                Wq = wq, Wk = wk, Wv = wv,
                Bq = bq, Bk = bk, Bv = bv,
                Wo = l.Matrix(p + "attn_output.weight", hp.HeadCount * hp.HeadDimV, nEmbd),
                Bo = l.OptionalVector(p + "attn_output.bias", nEmbd),
                QNorm = l.OptionalVector(p + "attn_q_norm.weight", hp.HeadDimK),
                KNorm = l.OptionalVector(p + "attn_k_norm.weight", hp.HeadDimK),
                PostAttnNorm = l.OptionalVector(p + "post_attention_norm.weight", nEmbd),
                FfnNorm = l.Vector(p + "ffn_norm.weight", nEmbd),
                Gate = gate,
                Up = up,
                Down = l.Matrix(p + "ffn_down.weight", up.Rows, nEmbd),
                PostFfnNorm = l.OptionalVector(p + "post_ffw_norm.weight", nEmbd),
            };
        }
        var output = options.AlwaysTied ? embd : l.OptionalMatrix("output.weight", nEmbd) ?? embd;
        int half = hp.RopeDimensions / 2;
        return new TransformerWeights
        {
            TokenEmbedding = embd,
            Layers = layers,
            OutputNorm = l.Vector("output_norm.weight", nEmbd),
            Output = output,
            OutputBias = options.OutputBias ? l.OptionalVector("output.bias", output.Rows) : null,
            RopeFreqs = l.OptionalVector("rope_freqs.weight", half),
            RopeFactorsLong = l.OptionalVector("rope_factors_long.weight", half),
            RopeFactorsShort = l.OptionalVector("rope_factors_short.weight", half),
        };
    }
}
