using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>The tensor roles llama-quantize's type rules tell apart (llama-quant.cpp tensor_get_category).</summary>
internal enum TensorRole
{
    TokenEmbedding,
    AttentionQ,
    AttentionV,
    AttentionK,
    AttentionQkv,
    AttentionKvB,
    AttentionOutput,
    FfnUp,
    FfnGate,
    FfnDown,
    Output,
    Other,
}

/// <summary>The model facts the type rules read from the metadata.</summary>
internal sealed record ModelShape(string Architecture, int LayerCount, int HeadCount, int HeadCountKv, int ExpertCount)
{
    /// <summary>n_gqa() of llama_hparams: 0 when there are no KV heads.</summary>
    public int Gqa => HeadCountKv == 0 ? 0 : HeadCount / HeadCountKv;

    public bool IsFalcon => Architecture == "falcon";

    /// <summary>llama.cpp's LLM_TYPE_70B, the only model size the rules look at.</summary>
    public bool Is70B => Architecture == "llama" && LayerCount == 80 && HeadCount != HeadCountKv;
}

/// <summary>
/// llama-quantize's choice of tensor type per tensor (engine.md §2.8; llama-quant.cpp
/// <c>llama_tensor_get_type</c>) for the file types Corral writes. Stateful like upstream: the attn_v and
/// ffn_down counters advance as tensors are asked about, so <see cref="Choose"/> must be called once per
/// tensor in processing order.
/// </summary>
internal sealed class TensorTypeRules
{
    private readonly LlamaFileType _fileType;
    private readonly GgmlType _baseType;
    private readonly ModelShape _model;
    private readonly bool _tiedEmbeddings;
    private readonly int _attentionVCount;
    private readonly int _ffnDownCount;
    private int _attentionVIndex;
    private int _ffnDownIndex;

    /// <summary>Tensors whose shape forced a fallback type (upstream's n_fallback).</summary>
    public int FallbackCount { get; private set; }

    public TensorTypeRules(LlamaFileType fileType, ModelShape model, IEnumerable<string> tensorNames)
    {
        if (!LlamaFileTypes.TryGetBaseType(fileType, out var baseType))
            throw new QuantizationException(LlamaFileTypes.UnsupportedMessage(LlamaFileTypes.Name(fileType)));
        _fileType = fileType;
        _baseType = baseType.Value;
        _model = model;
        _tiedEmbeddings = true;
        foreach (var name in tensorNames)
        {
            var role = RoleOf(name);
            if (IsAttentionVLike(role)) _attentionVCount++;
            if (role == TensorRole.Output) _tiedEmbeddings = false;
        }
        _ffnDownCount = model.LayerCount;
    }

    public bool TiedEmbeddings => _tiedEmbeddings;

    public static TensorRole RoleOf(string name)
    {
        if (name == "output.weight") return TensorRole.Output;
        if (name is "token_embd.weight" or "per_layer_token_embd.weight") return TensorRole.TokenEmbedding;
        if (name.Contains("attn_qkv.weight", StringComparison.Ordinal)) return TensorRole.AttentionQkv;
        if (name.Contains("attn_kv_b.weight", StringComparison.Ordinal)) return TensorRole.AttentionKvB;
        if (name.Contains("attn_v.weight", StringComparison.Ordinal)) return TensorRole.AttentionV;
        if (name.Contains("attn_k.weight", StringComparison.Ordinal)) return TensorRole.AttentionK;
        if (name.Contains("attn_q.weight", StringComparison.Ordinal)) return TensorRole.AttentionQ;
        if (name.Contains("attn_output.weight", StringComparison.Ordinal)) return TensorRole.AttentionOutput;
        if (name.Contains("ffn_up", StringComparison.Ordinal)) return TensorRole.FfnUp;
        if (name.Contains("ffn_gate", StringComparison.Ordinal)) return TensorRole.FfnGate;
        if (name.Contains("ffn_down", StringComparison.Ordinal)) return TensorRole.FfnDown;
        return TensorRole.Other;
    }

    private static bool IsAttentionVLike(TensorRole role) =>
        role is TensorRole.AttentionV or TensorRole.AttentionQkv or TensorRole.AttentionKvB;

    /// <summary>Substrings of tensor names llama-quantize never quantizes (small or special tensors).</summary>
    private static readonly string[] s_neverQuantized =
    [
        "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
        "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
        "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
        "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
        "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
        "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos",
        ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
    ];

    /// <summary>tensor_allows_quantization: 2D+ weights other than norms, position/type embeddings and a few tiny tensors.</summary>
    public static bool AllowsQuantization(string name, int dimensions)
    {
        if (dimensions < 2) return false;
        if (!name.EndsWith("weight", StringComparison.Ordinal)) return false;
        if (name is "position_embd.weight" or "token_types.weight") return false;
        foreach (var part in s_neverQuantized)
            if (name.Contains(part, StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>The type tensor <paramref name="name"/> gets in the output file.</summary>
    /// <param name="dimensions">ggml_n_dims: dimensions up to the last one larger than 1.</param>
    public GgmlType Choose(string name, long ne0, int dimensions, GgmlType sourceType)
    {
        if (!AllowsQuantization(name, dimensions)) return sourceType;
        var type = _baseType;
        if (!IsQuantized(_baseType)) return type;
        type = ApplyMixRules(name, RoleOf(name), ne0, type);
        return Fallback(ne0, type);
    }

    private static bool IsQuantized(GgmlType type) => GgmlTypeInfo.BlockSize(type) > 1;

    private static bool MoreBits(int i, int n) => i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;

    private GgmlType ApplyMixRules(string name, TensorRole role, long ne0, GgmlType type)
    {
        var ft = _fileType;
        bool falcon = _model.IsFalcon;
        if (role == TensorRole.Output || (_tiedEmbeddings && role == TensorRole.TokenEmbedding))
        {
            if (falcon || ne0 % GgmlTypeInfo.BlockSize(type) != 0) return GgmlType.Q8_0;
            return type != GgmlType.Q8_0 ? GgmlType.Q6_K : type;
        }
        if (role == TensorRole.TokenEmbedding) return type; // only the IQ1/IQ2/TQ mixes, which Corral does not write, change it

        if (IsAttentionVLike(role))
        {
            int i = _attentionVIndex, n = _attentionVCount, gqa = _model.Gqa;
            if (ft == LlamaFileType.Q2_K) type = gqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
            else if (ft == LlamaFileType.Q3_K_M) type = i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            else if (ft == LlamaFileType.Q3_K_L) type = GgmlType.Q5_K;
            else if (ft is LlamaFileType.IQ4_NL or LlamaFileType.IQ4_XS && gqa >= 4) type = GgmlType.Q5_K;
            else if (ft is LlamaFileType.Q4_K_M or LlamaFileType.Q5_K_M && MoreBits(i, n)) type = GgmlType.Q6_K;
            else if (ft == LlamaFileType.Q4_K_S && i < 4) type = GgmlType.Q5_K;
            // 70B shares each attn_v among 8 heads, so it is 8× smaller than attn_q and worth more bits.
            if (_model.Is70B && type is GgmlType.Q3_K or GgmlType.Q4_K) type = GgmlType.Q5_K;
            if (_model.ExpertCount == 8) type = GgmlType.Q8_0;
            _attentionVIndex++;
            return type;
        }
        if (role == TensorRole.AttentionK)
            return _model.ExpertCount == 8 ? GgmlType.Q8_0 : type;
        if (role == TensorRole.FfnDown)
        {
            var (i, n) = LayerOf(name, _ffnDownIndex, _ffnDownCount);
            if (ft == LlamaFileType.Q2_K) type = GgmlType.Q3_K;
            else if (ft == LlamaFileType.Q3_K_M)
                type = i < n / 16 ? GgmlType.Q5_K : !falcon || MoreBits(i, n) ? GgmlType.Q4_K : GgmlType.Q3_K;
            else if (ft == LlamaFileType.Q3_K_L) type = falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
            else if (ft == LlamaFileType.Q4_K_M)
            {
                if (falcon) type = i < n / 16 ? GgmlType.Q6_K : MoreBits(i, n) ? GgmlType.Q5_K : GgmlType.Q4_K;
                else if (MoreBits(i, n)) type = GgmlType.Q6_K;
            }
            else if (i < n / 8 && ft is LlamaFileType.IQ4_NL or LlamaFileType.IQ4_XS) type = GgmlType.Q5_K; // no imatrix
            else if (ft == LlamaFileType.Q5_K_M && MoreBits(i, n)) type = GgmlType.Q6_K;
            else if (ft == LlamaFileType.Q4_K_S && !falcon && i < n / 8) type = GgmlType.Q5_K;
            _ffnDownIndex++;
            return type;
        }
        if (role == TensorRole.AttentionOutput)
        {
            if (!falcon)
            {
                if (_model.ExpertCount == 8)
                {
                    if (ft is LlamaFileType.Q2_K or LlamaFileType.Q3_K_S or LlamaFileType.Q3_K_M or LlamaFileType.IQ4_NL
                        or LlamaFileType.Q4_K_S or LlamaFileType.Q4_K_M or LlamaFileType.IQ4_XS)
                        type = GgmlType.Q5_K;
                }
                else if (ft == LlamaFileType.Q2_K) type = GgmlType.Q3_K;
                else if (ft == LlamaFileType.Q3_K_M) type = GgmlType.Q4_K;
                else if (ft == LlamaFileType.Q3_K_L) type = GgmlType.Q5_K;
            }
            else if (ft == LlamaFileType.Q3_K_L)
            {
                type = GgmlType.Q4_K;
            }
            return type;
        }
        return type;
    }

    /// <summary>For dense models the counter is the layer; MoE models name their layer (experts are not consecutive).</summary>
    private (int Layer, int Count) LayerOf(string name, int counter, int count)
    {
        if (_model.ExpertCount <= 1) return (counter, count);
        int layer = BlockNumber(name);
        if (layer < 0) throw new QuantizationException($"cannot tell the layer of tensor '{name}' (expected a 'blk.N.' prefix)");
        if (layer >= count) throw new QuantizationException($"tensor '{name}' names layer {layer}, but the model has {count} layers");
        return (layer, count);
    }

    /// <summary>tensor_type_fallback: a type whose block divides ne0 when the chosen one does not.</summary>
    private GgmlType Fallback(long ne0, GgmlType type)
    {
        if (ne0 % GgmlTypeInfo.BlockSize(type) == 0) return type;
        FallbackCount++;
        var fallback = type switch
        {
            GgmlType.IQ4_XS => GgmlType.IQ4_NL,
            GgmlType.Q2_K or GgmlType.Q3_K => GgmlType.Q4_0,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            // 32-blocks have no smaller relative; the llama.cpp that made the goldens writes F16 (stories260K ffn_down).
            _ => GgmlType.F16,
        };
        return ne0 % GgmlTypeInfo.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }

    /// <summary>The N of a <c>blk.N.</c> prefix (as sscanf("blk.%d.") reads it), or −1.</summary>
    public static int BlockNumber(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        int i = 4;
        bool negative = false;
        if (i < name.Length && name[i] is '+' or '-') { negative = name[i] == '-'; i++; }
        long value = 0;
        int start = i;
        while (i < name.Length && char.IsAsciiDigit(name[i]) && value <= int.MaxValue) value = value * 10 + (name[i++] - '0');
        if (i == start || value > int.MaxValue) return -1;
        return negative ? -(int)value : (int)value;
    }
}
