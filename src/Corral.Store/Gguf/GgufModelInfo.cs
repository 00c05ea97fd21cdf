using Corral.Engine.Gguf;

namespace Corral.Store;

/// <summary>What <c>create</c> needs to know about a GGUF layer (runtime.md §6.3), read through the engine's GGUF reader.</summary>
public sealed record GgufModelInfo
{
    /// <summary><c>general.type</c>, or <c>unknown</c>.</summary>
    public required string Kind { get; init; }
    public required string Architecture { get; init; }
    /// <summary><c>general.file_type</c>; null when absent.</summary>
    public long? FileTypeId { get; init; }
    /// <summary>The quantization level name (<see cref="GgufFileTypes.Describe"/>).</summary>
    public string FileType => GgufFileTypes.Describe(FileTypeId);
    /// <summary>Sum of all tensor element counts (upstream overrides <c>general.parameter_count</c> with this).</summary>
    public ulong ParameterCount { get; init; }
    public long BlockCount { get; init; }
    public long VisionBlockCount { get; init; }
    public bool HasVisionEncoder { get; init; }
    public bool HasAudioEncoder { get; init; }
    /// <summary><c>tokenizer.chat_template</c>, or empty.</summary>
    public string ChatTemplate { get; init; } = "";
    public long? SplitNo { get; init; }
    public long? SplitCount { get; init; }
    /// <summary><c>source_quantization</c> is <c>hf_fp8</c> and <c>source_fp8_tensors</c> lists tensors.</summary>
    public bool HasSourceFp8Tensors { get; init; }
    /// <summary>Absolute offset of the tensor data: the quantization progress total is the file size minus this.</summary>
    public long DataOffset { get; init; }

    /// <summary>A multimodal projector rather than weights: <c>general.type</c> projector/mmproj, a vision-only model, or a clip encoder.</summary>
    public bool IsProjector =>
        Kind is "projector" or "mmproj"
        || (BlockCount == 0 && VisionBlockCount > 0)
        || (Architecture == "clip" && BlockCount == 0 && (HasVisionEncoder || HasAudioEncoder));

    public bool IsAdapter => Kind == "adapter";

    /// <summary>The layer media type upstream picks for a user-supplied GGUF.</summary>
    public string DetectMediaType() => IsAdapter ? MediaTypes.Adapter : IsProjector ? MediaTypes.Projector : MediaTypes.Model;

    /// <summary>Reads a GGUF file; throws <see cref="GgufFormatException"/> for anything malformed.</summary>
    public static GgufModelInfo Read(string path)
    {
        using var f = GgufFile.Open(path);
        string arch = f.Architecture;
        long? ArchInt(string key) => f.GetInt(key) ?? (arch.Length > 0 ? f.GetInt(arch + "." + key) : null);
        bool ArchBool(string key) => f.GetBool(key) ?? (arch.Length > 0 ? f.GetBool(arch + "." + key) : null) ?? false;
        string ArchString(string key) => f.GetString(key) ?? (arch.Length > 0 ? f.GetString(arch + "." + key) : null) ?? "";

        ulong parameters = 0;
        foreach (var t in f.Tensors) parameters += (ulong)t.ElementCount;

        var fp8Tensors = f.Get("source_fp8_tensors") ?? (arch.Length > 0 ? f.Get(arch + ".source_fp8_tensors") : null);
        return new GgufModelInfo
        {
            Kind = f.GetString("general.type") ?? "unknown",
            Architecture = arch,
            FileTypeId = f.GetInt("general.file_type"),
            ParameterCount = parameters,
            BlockCount = arch.Length > 0 ? f.GetInt(arch + ".block_count") ?? 0 : 0,
            VisionBlockCount = arch.Length > 0 ? f.GetInt(arch + ".vision.block_count") ?? 0 : 0,
            HasVisionEncoder = ArchBool("has_vision_encoder"),
            HasAudioEncoder = ArchBool("has_audio_encoder"),
            ChatTemplate = f.GetString("tokenizer.chat_template") ?? "",
            SplitNo = ArchInt("split.no"),
            SplitCount = ArchInt("split.count"),
            HasSourceFp8Tensors = ArchString("source_quantization") == "hf_fp8" && fp8Tensors is { IsArray: true, ArrayLength: > 0 },
            DataOffset = f.DataOffset,
        };
    }
}
