using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// mistral3 (Ministral 3, Mistral Small 3.x text model): the llama graph (NORMAL RoPE, kq scale 1/√d)
/// plus YaRN with an optional <c>rope.scaling.yarn_log_multiplier</c> and optional attention
/// temperature tuning (<c>attention.temperature_scale</c>, floored over the original context length).
/// </summary>
public sealed class Mistral3Architecture : DecoderArchitecture
{
    public override IReadOnlyList<string> Names { get; } = ["mistral3"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        string a = hp.Architecture;
        if (hp.RopeDimensions != hp.HeadDimK)
            throw new ModelLoadException($"{a} requires rope.dimension_count ({hp.RopeDimensions}) to equal the head size ({hp.HeadDimK})");
        float logMultiplier = file.GetFloat($"{a}.rope.scaling.yarn_log_multiplier", 0f);
        float temperatureScale = file.GetFloat($"{a}.attention.temperature_scale", 0f);
        AttentionTemperature? temperature = null;
        if (temperatureScale != 0f)
        {
            if (hp.RopeOriginalContext <= 0)
                throw new ModelLoadException($"{a} attention temperature scaling needs a positive rope.scaling.original_context_length");
            temperature = new AttentionTemperature { Scale = temperatureScale, FloorScale = hp.RopeOriginalContext };
        }
        return new TransformerSpec
        {
            RopeMode = RopeMode.Normal,
            KqScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
            AttentionTemperature = temperature,
            SlidingWindow = EveryLayer(hp, 0),
            Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Normal, weights.RopeFreqs, yarnLogMultiplier: logMultiplier)),
        };
    }
}
