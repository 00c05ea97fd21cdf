using Corral.Engine.Sampling;

namespace Corral.Server.Generation;

/// <summary>
/// The <c>options</c> a request runs with (api.md §2.6), after merging request &gt; Modelfile PARAMETER &gt;
/// server default. Null means "not set at this layer".
/// </summary>
public sealed record ModelOptions
{
    // load-time
    public int? NumCtx { get; init; }
    public int? NumBatch { get; init; }
    public int? NumThread { get; init; }
    public int? NumGpu { get; init; }
    public bool? UseMmap { get; init; }
    // runtime
    public int? NumKeep { get; init; }
    public long? Seed { get; init; }
    public int? NumPredict { get; init; }
    public int? TopK { get; init; }
    public float? TopP { get; init; }
    public float? MinP { get; init; }
    public float? TypicalP { get; init; }
    public int? RepeatLastN { get; init; }
    public float? Temperature { get; init; }
    public float? RepeatPenalty { get; init; }
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Values set here win over <paramref name="fallback"/>'s.</summary>
    public ModelOptions Over(ModelOptions fallback) => new()
    {
        NumCtx = NumCtx ?? fallback.NumCtx,
        NumBatch = NumBatch ?? fallback.NumBatch,
        NumThread = NumThread ?? fallback.NumThread,
        NumGpu = NumGpu ?? fallback.NumGpu,
        UseMmap = UseMmap ?? fallback.UseMmap,
        NumKeep = NumKeep ?? fallback.NumKeep,
        Seed = Seed ?? fallback.Seed,
        NumPredict = NumPredict ?? fallback.NumPredict,
        TopK = TopK ?? fallback.TopK,
        TopP = TopP ?? fallback.TopP,
        MinP = MinP ?? fallback.MinP,
        TypicalP = TypicalP ?? fallback.TypicalP,
        RepeatLastN = RepeatLastN ?? fallback.RepeatLastN,
        Temperature = Temperature ?? fallback.Temperature,
        RepeatPenalty = RepeatPenalty ?? fallback.RepeatPenalty,
        PresencePenalty = PresencePenalty ?? fallback.PresencePenalty,
        FrequencyPenalty = FrequencyPenalty ?? fallback.FrequencyPenalty,
        Stop = Stop ?? fallback.Stop,
    };

    public SamplingOptions ToSampling()
    {
        var d = SamplingOptions.Default;
        return new SamplingOptions
        {
            Temperature = Temperature ?? d.Temperature,
            TopK = TopK ?? d.TopK,
            TopP = Math.Clamp(TopP ?? d.TopP, 0f, 1f),
            MinP = Math.Clamp(MinP ?? d.MinP, 0f, 1f),
            TypicalP = TypicalP ?? d.TypicalP,
            RepeatLastN = Math.Max(0, RepeatLastN ?? d.RepeatLastN),
            RepeatPenalty = RepeatPenalty ?? d.RepeatPenalty,
            PresencePenalty = PresencePenalty ?? d.PresencePenalty,
            FrequencyPenalty = FrequencyPenalty ?? d.FrequencyPenalty,
            Seed = Seed ?? -1,
        };
    }
}
