namespace Corral.Store;

/// <summary>The four validated parts of a model name (runtime.md §2.2).</summary>
public enum ModelNamePart
{
    Host,
    Namespace,
    Model,
    Tag,
}

/// <summary>
/// A model name <c>[[scheme://]host/][namespace/]model[:tag]</c> (runtime.md §2). Parsing never throws:
/// a separator with an empty side yields <see cref="MissingPart"/>, which fails validation, so callers
/// check <see cref="IsValid"/> and report their own context-specific error. Parts keep the user's case;
/// equality is case-insensitive over host, namespace, model and tag (the scheme is not part of identity).
/// </summary>
public sealed class ModelName : IEquatable<ModelName>
{
    /// <summary>Placeholder for a part promised by a separator but empty (<c>model:</c>, <c>/model</c>).</summary>
    public const string MissingPart = "!MISSING!";

    public const string DefaultHost = "registry.ollama.ai";
    public const string DefaultNamespace = "library";
    public const string DefaultTag = "latest";
    public const string DefaultScheme = "https";

    /// <summary>Registry host, possibly with <c>:port</c>; empty when absent (bare parse only).</summary>
    public string Host { get; }
    public string Namespace { get; }
    public string Model { get; }
    public string Tag { get; }

    /// <summary>Protocol scheme for registry traffic (<c>https</c> unless the name said <c>http://</c>).</summary>
    public string Scheme { get; }

    public ModelName(string host, string @namespace, string model, string tag, string scheme = "")
    {
        Host = host ?? "";
        Namespace = @namespace ?? "";
        Model = model ?? "";
        Tag = tag ?? "";
        Scheme = scheme ?? "";
    }

    /// <summary>Parses <paramref name="s"/> and fills absent parts with the defaults (host <c>registry.ollama.ai</c>,
    /// namespace <c>library</c>, tag <c>latest</c>, scheme <c>https</c>). The result may be invalid.</summary>
    public static ModelName Parse(string s) => ParseBare(s).WithDefaults();

    /// <summary>Parses without applying defaults: absent parts stay empty (promised-but-empty ones are <see cref="MissingPart"/>).</summary>
    public static ModelName ParseBare(string s)
    {
        s ??= "";
        string host = "", ns = "", tag = "", scheme = "";

        // '/' can never be part of a tag, so a ':' after the last '/' starts the tag.
        if (s.LastIndexOf(':') > s.LastIndexOf('/'))
            (s, tag) = CutLastPromised(s, ':');

        var (rest, model, promised) = CutLastPromisedOrNot(s, '/');
        if (!promised) return new ModelName("", "", s, tag);

        (rest, ns, promised) = CutLastPromisedOrNot(rest, '/');
        if (!promised) return new ModelName("", rest, model, tag);

        int schemeEnd = rest.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            scheme = rest[..schemeEnd];
            host = rest[(schemeEnd + 3)..];
        }
        else
        {
            host = rest;
        }
        return new ModelName(host, ns, model, tag, scheme);
    }

    /// <summary>
    /// Parses a manifest path relative to <c>manifests/</c> (<c>host/namespace/model/tag</c>, OS separator).
    /// Returns <c>null</c> unless it has exactly four parts that are all valid.
    /// </summary>
    public static ModelName? FromManifestPath(string relativePath)
    {
        var parts = relativePath.Split(Path.DirectorySeparatorChar);
        if (parts.Length != 4) return null;
        var n = new ModelName(parts[0], parts[1], parts[2], parts[3]);
        return n.IsValid ? n : null;
    }

    /// <summary>Fills empty host, namespace, tag and scheme with the defaults.</summary>
    public ModelName WithDefaults() => new(
        Host.Length > 0 ? Host : DefaultHost,
        Namespace.Length > 0 ? Namespace : DefaultNamespace,
        Model,
        Tag.Length > 0 ? Tag : DefaultTag,
        Scheme.Length > 0 ? Scheme : DefaultScheme);

    public ModelName WithTag(string tag) => new(Host, Namespace, Model, tag, Scheme);

    public ModelName WithParts(string host, string @namespace, string model, string tag) => new(host, @namespace, model, tag, Scheme);

    /// <summary>True when all four parts are present and valid (runtime.md §2.2).</summary>
    public bool IsValid =>
        IsValidPart(ModelNamePart.Host, Host) &&
        IsValidPart(ModelNamePart.Namespace, Namespace) &&
        IsValidPart(ModelNamePart.Model, Model) &&
        IsValidPart(ModelNamePart.Tag, Tag);

    /// <summary>Whether <paramref name="s"/> is a valid part of the given kind: ASCII, first character
    /// <c>[A-Za-z0-9_]</c>, then <c>[A-Za-z0-9_.-]</c> (no <c>.</c> in a namespace; <c>:</c> only in a host),
    /// length 1–80 (host 1–350).</summary>
    public static bool IsValidPart(ModelNamePart kind, string? s)
    {
        if (s is null) return false;
        int max = kind == ModelNamePart.Host ? 350 : 80;
        if (s.Length < 1 || s.Length > max) return false;
        if (!IsWordChar(s[0])) return false;
        for (int i = 1; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '_' or '-':
                    break;
                case '.':
                    if (kind == ModelNamePart.Namespace) return false;
                    break;
                case ':':
                    if (kind != ModelNamePart.Host) return false;
                    break;
                default:
                    if (!IsWordChar(c)) return false;
                    break;
            }
        }
        return true;
    }

    /// <summary>Whether <paramref name="s"/> is usable as a namespace (user name) on its own.</summary>
    public static bool IsValidNamespace(string? s) => IsValidPart(ModelNamePart.Namespace, s);

    /// <summary>
    /// The form used for <c>name</c>/<c>model</c> in list, ps and the CLI: drops <c>host/namespace/</c> for the default
    /// registry and library, drops only <c>host/</c> for the default registry, and always keeps <c>:tag</c>.
    /// </summary>
    public string DisplayShortest
    {
        get
        {
            if (!string.Equals(Host, DefaultHost, StringComparison.OrdinalIgnoreCase))
                return $"{Host}/{Namespace}/{Model}:{Tag}";
            if (!string.Equals(Namespace, DefaultNamespace, StringComparison.OrdinalIgnoreCase))
                return $"{Namespace}/{Model}:{Tag}";
            return $"{Model}:{Tag}";
        }
    }

    /// <summary>The full form <c>host/namespace/model:tag</c> (meaningful once defaults are applied).</summary>
    public string DisplayFull => ToString();

    /// <summary><c>namespace/model</c>: the repository path used in registry URLs.</summary>
    public string RepositoryPath => $"{Namespace}/{Model}";

    /// <summary><c>scheme://host</c> of the registry serving this name.</summary>
    public string RegistryBaseUrl => $"{(Scheme.Length > 0 ? Scheme : DefaultScheme)}://{Host}";

    /// <summary>
    /// <c>host/namespace/model/tag</c> with the OS separator: the manifest file path relative to <c>manifests/</c>.
    /// Throws for invalid names so a bad name can never address a file outside the store.
    /// </summary>
    public string ManifestRelativePath
    {
        get
        {
            if (!IsValid) throw new InvalidOperationException($"model name \"{this}\" is invalid and has no manifest path");
            return Path.Combine(Host, Namespace, Model, Tag);
        }
    }

    /// <summary>Parts present are joined as <c>host/namespace/model:tag</c>; absent parts and their separators are omitted.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder(Host.Length + Namespace.Length + Model.Length + Tag.Length + 3);
        if (Host.Length > 0) sb.Append(Host).Append('/');
        if (Namespace.Length > 0) sb.Append(Namespace).Append('/');
        sb.Append(Model);
        if (Tag.Length > 0) sb.Append(':').Append(Tag);
        return sb.ToString();
    }

    /// <summary>Case-insensitive equality of host, namespace, model and tag.</summary>
    public bool Equals(ModelName? other) =>
        other is not null &&
        string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(Namespace, other.Namespace, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(Model, other.Model, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(Tag, other.Tag, StringComparison.OrdinalIgnoreCase);

    /// <summary>Exact (case-sensitive) equality of the four parts: same manifest file on a case-sensitive file system.</summary>
    public bool EqualsExact(ModelName? other) =>
        other is not null && Host == other.Host && Namespace == other.Namespace && Model == other.Model && Tag == other.Tag;

    public override bool Equals(object? obj) => obj is ModelName n && Equals(n);

    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(Host),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Namespace),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Model),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Tag));

    public static bool operator ==(ModelName? a, ModelName? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(ModelName? a, ModelName? b) => !(a == b);

    private static bool IsWordChar(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '_';

    private static (string Before, string After) CutLastPromised(string s, char sep)
    {
        var (before, after, _) = CutLastPromisedOrNot(s, sep);
        return (before, after);
    }

    private static (string Before, string After, bool Found) CutLastPromisedOrNot(string s, char sep)
    {
        int i = s.LastIndexOf(sep);
        if (i < 0) return (s, "", false);
        string before = s[..i], after = s[(i + 1)..];
        return (before.Length > 0 ? before : MissingPart, after.Length > 0 ? after : MissingPart, true);
    }
}
