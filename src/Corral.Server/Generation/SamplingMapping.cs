using Corral.Engine.Sampling;
using Corral.Store;

namespace Corral.Server.Generation;

/// <summary>Maps the merged request/Modelfile options onto the engine's sampler settings.</summary>
public static class SamplingMapping
{
    public static SamplingOptions ToSampling(this ModelOptions o) => new()
    {
        Temperature = o.Temperature,
        TopK = o.TopK,
        TopP = Math.Clamp(o.TopP, 0f, 1f),
        MinP = Math.Clamp(o.MinP, 0f, 1f),
        TypicalP = o.TypicalP,
        RepeatLastN = Math.Max(0, o.RepeatLastN),
        RepeatPenalty = o.RepeatPenalty,
        PresencePenalty = o.PresencePenalty,
        FrequencyPenalty = o.FrequencyPenalty,
        Seed = o.Seed,
    };
}
