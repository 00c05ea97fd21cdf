namespace Corral.Store;

/// <summary>The <c>details</c> object of tags/show/ps (api.md §2.9). The context and embedding lengths are 0 when unknown.</summary>
public sealed record ModelDetails(
    string ParentModel,
    string Format,
    string Family,
    IReadOnlyList<string>? Families,
    string ParameterSize,
    string QuantizationLevel,
    long ContextLength = 0,
    long EmbeddingLength = 0)
{
    /// <summary>The six base fields from a config (as <c>/api/show</c> and <c>/api/ps</c> report them).</summary>
    public static ModelDetails FromConfig(ModelConfig config, string parentModel) => new(
        parentModel, config.ModelFormat, config.ModelFamily, config.ModelFamilies, config.ModelType, config.FileType);
}

/// <summary>One model as <c>/api/tags</c> lists it.</summary>
/// <param name="Name">Display-shortest name (also the <c>model</c> field).</param>
/// <param name="Digest">Lowercase hex SHA-256 of the manifest bytes, no prefix.</param>
/// <param name="Size">Sum of layer sizes plus the config size.</param>
/// <param name="ModifiedAt">Manifest file modification time (local offset).</param>
public sealed record ModelListEntry(
    ModelName FullName,
    string Name,
    DateTimeOffset ModifiedAt,
    long Size,
    string Digest,
    ModelDetails Details,
    IReadOnlyList<string> Capabilities,
    string RemoteModel,
    string RemoteHost);
