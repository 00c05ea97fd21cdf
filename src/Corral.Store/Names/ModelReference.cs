namespace Corral.Store;

/// <summary>Where a request asked a model to come from (runtime.md §2.6).</summary>
public enum ModelSource
{
    Unspecified,
    Local,
    Cloud,
}

/// <summary>A model name that contained <c>:cloud</c>/<c>:local</c> twice, or no name at all.</summary>
public sealed class ModelReferenceException(string message) : Exception(message);

/// <summary>
/// A requested model string with its explicit source suffix stripped: a final <c>:cloud</c> or <c>:local</c>
/// (any case), or a tag ending in <c>-cloud</c> (<c>m:20b-cloud</c> is <c>m:20b</c> from the cloud).
/// </summary>
public readonly record struct ModelReference(string Original, string Base, ModelSource Source)
{
    public const string ModelRequiredMessage = "model is required";
    public const string ConflictingSuffixMessage = "use either :local or :cloud, not both";

    /// <summary>Strips an explicit source suffix. Throws <see cref="ModelReferenceException"/> for an empty name
    /// (<c>model is required</c>) or two suffixes (<c>use either :local or :cloud, not both: "x:cloud:local"</c>).</summary>
    public static ModelReference Parse(string raw)
    {
        raw = (raw ?? "").Trim();
        if (raw.Length == 0) throw new ModelReferenceException(ModelRequiredMessage);
        var (baseName, source, explicitSource) = ParseSuffix(raw);
        if (explicitSource && ParseSuffix(baseName).Explicit)
            throw new ModelReferenceException($"{ConflictingSuffixMessage}: {GoFormat.Quote(raw)}");
        return new ModelReference(raw, baseName, source);
    }

    public static bool TryParse(string raw, out ModelReference reference)
    {
        try
        {
            reference = Parse(raw);
            return true;
        }
        catch (ModelReferenceException)
        {
            reference = default;
            return false;
        }
    }

    public static bool HasExplicitCloudSource(string raw) => TryParse(raw, out var r) && r.Source == ModelSource.Cloud;

    public static bool HasExplicitLocalSource(string raw) => TryParse(raw, out var r) && r.Source == ModelSource.Local;

    /// <summary>The name without a cloud suffix and <c>true</c>, or the trimmed input and <c>false</c> when it is not an explicit cloud reference.</summary>
    public static (string Name, bool WasCloud) StripCloudSource(string raw) =>
        TryParse(raw, out var r) && r.Source == ModelSource.Cloud ? (r.Base, true) : ((raw ?? "").Trim(), false);

    /// <summary>
    /// The name pull and delete use: <c>:local</c> is dropped; explicit cloud references map onto the legacy stub names
    /// (<c>m:8b:cloud</c> → <c>m:8b-cloud</c>, <c>m:cloud</c> → <c>m:cloud</c>).
    /// </summary>
    public static (string Name, bool IsCloud) NormalizePullName(string raw)
    {
        var r = Parse(raw);
        if (r.Source != ModelSource.Cloud) return (r.Base, false);
        return (HasExplicitTag(r.Base) ? r.Base + "-cloud" : r.Base + ":cloud", true);
    }

    /// <summary>Whether <paramref name="name"/> spells a tag (a <c>:</c> after the last <c>/</c>; a registry port does not count).</summary>
    public static bool HasExplicitTag(string name) => name.LastIndexOf(':') > name.LastIndexOf('/');

    private static (string Base, ModelSource Source, bool Explicit) ParseSuffix(string raw)
    {
        int idx = raw.LastIndexOf(':');
        if (idx >= 0)
        {
            string suffixRaw = raw[(idx + 1)..].Trim();
            if (suffixRaw.Equals("cloud", StringComparison.OrdinalIgnoreCase)) return (raw[..idx], ModelSource.Cloud, true);
            if (suffixRaw.Equals("local", StringComparison.OrdinalIgnoreCase)) return (raw[..idx], ModelSource.Local, true);
            if (!suffixRaw.Contains('/') && suffixRaw.EndsWith("-cloud", StringComparison.OrdinalIgnoreCase))
                return (raw[..(idx + 1)] + suffixRaw[..^"-cloud".Length], ModelSource.Cloud, true);
        }
        return (raw, ModelSource.Unspecified, false);
    }
}
