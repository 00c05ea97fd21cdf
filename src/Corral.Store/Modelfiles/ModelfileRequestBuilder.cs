using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Corral.Config;

namespace Corral.Store.Modelfiles;

/// <summary>Where the Modelfile converter looks up home directories; tests replace these.</summary>
public sealed record ModelfileEnvironment
{
    /// <summary>The current user's home (for <c>~</c> and <c>~/…</c>).</summary>
    public Func<string> CurrentUserHome { get; init; } = () => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Another user's home (for <c>~name/…</c>), or null when there is no such user. Default: <c>/etc/passwd</c>.</summary>
    public Func<string, string?> LookupUserHome { get; init; } = UserHomes.Lookup;

    /// <summary>Receives <c>warning: parameter X is deprecated</c> (the CLI prints it).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>How many files are hashed at once.</summary>
    public int HashParallelism { get; init; } = Math.Max(Environment.ProcessorCount - 1, 1);
}

/// <summary>
/// Turns a parsed Modelfile into a <see cref="CreateModelRequest"/> the way the CLI does (runtime.md §5.3, §6.2):
/// paths are expanded against the Modelfile's folder, a <c>FROM</c> that names no existing path is a model name,
/// directories are searched for weights, and every local file is hashed. <see cref="CreateModelRequest.Files"/>,
/// <see cref="CreateModelRequest.Adapters"/> and <see cref="CreateModelRequest.DraftFiles"/> come back keyed by local
/// path; <see cref="WireFileNames"/> gives the names to send after the blobs are uploaded.
/// </summary>
public static class ModelfileRequestBuilder
{
    public static CreateModelRequest Build(Modelfile modelfile, string relativeDirectory, ModelfileEnvironment? environment = null)
    {
        var env = environment ?? new ModelfileEnvironment();
        var req = new CreateModelRequest();
        var parameters = new JsonObject();
        var messages = new List<ModelMessage>();
        var licenses = new List<string>();
        var modelPaths = new List<string>();
        var draftPaths = new List<string>();

        foreach (var c in modelfile.Commands)
        {
            switch (c.Instruction)
            {
                case ModelfileInstruction.From:
                {
                    string path = ExpandPath(c.Value, relativeDirectory, env);
                    if (!File.Exists(path) && !Directory.Exists(path))
                    {
                        req.From = c.Value;
                        continue;
                    }
                    var digests = FileDigests(path, env);
                    RejectSamePath(path, draftPaths);
                    modelPaths.Add(path);
                    req.Files ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (k, v) in digests) req.Files[k] = v;
                    break;
                }
                case ModelfileInstruction.Draft:
                {
                    string path = ExpandPath(c.Value, relativeDirectory, env);
                    var digests = FileDigests(path, env);
                    RejectSamePath(path, modelPaths);
                    draftPaths.Add(path);
                    req.DraftFiles ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (k, v) in digests) req.DraftFiles[k] = v;
                    break;
                }
                case ModelfileInstruction.Adapter:
                    req.Adapters = FileDigests(ExpandPath(c.Value, relativeDirectory, env), env);
                    break;
                case ModelfileInstruction.Template:
                    req.Template = c.Value;
                    break;
                case ModelfileInstruction.System:
                    req.System = c.Value;
                    break;
                case ModelfileInstruction.License:
                    licenses.Add(c.Value);
                    break;
                case ModelfileInstruction.Renderer:
                    req.Renderer = c.Value;
                    break;
                case ModelfileInstruction.Parser:
                    req.Parser = c.Value;
                    break;
                case ModelfileInstruction.Requires:
                {
                    string v = c.Value.StartsWith('v') ? c.Value : "v" + c.Value;
                    if (!Semver.IsValid(v)) throw new ModelfileException("requires must be a valid semver (e.g. 0.14.0)");
                    req.Requires = v[1..];
                    break;
                }
                case ModelfileInstruction.Message:
                    messages.Add(new ModelMessage(c.Key ?? "", c.Value));
                    break;
                case ModelfileInstruction.Parameter:
                    AddParameter(parameters, c.Key ?? "", c.Value, env);
                    break;
            }
        }

        if (parameters.Count > 0) req.Parameters = parameters;
        if (messages.Count > 0) req.Messages = messages;
        if (licenses.Count > 0) req.License = licenses;
        return req;
    }

    /// <summary>
    /// Types one <c>PARAMETER</c> (runtime.md §5.4) into <paramref name="parameters"/>: deprecated names warn and are
    /// skipped; unknown names fail with <c>unknown parameter 'x'</c>; <c>stop</c> accumulates; other keys: last wins.
    /// </summary>
    public static void AddParameter(JsonObject parameters, string name, string value, ModelfileEnvironment? environment = null)
    {
        if (OptionKinds.Deprecated.Contains(name))
        {
            (environment?.Warn)?.Invoke($"warning: parameter {name} is deprecated");
            return;
        }
        if (!OptionKinds.TryGetKind(name, out var kind)) throw new ModelfileException($"unknown parameter '{name}'");
        switch (kind)
        {
            case OptionKind.Integer:
                if (!GoInt.TryParseInt64(value, out long i)) throw new ModelfileException($"invalid int value [{value}]");
                parameters[name] = JsonValue.Create(i);
                break;
            case OptionKind.Float:
                if (!GoInt.TryParseFloat(value, 32, out double f)) throw new ModelfileException($"invalid float value [{value}]");
                parameters[name] = JsonValue.Create((float)f);
                break;
            case OptionKind.Boolean:
                if (!GoInt.TryParseBool(value, out bool b)) throw new ModelfileException($"invalid bool value [{value}]");
                parameters[name] = JsonValue.Create(b);
                break;
            case OptionKind.StringList:
                if (parameters[name] is JsonArray list) list.Add(value);
                else parameters[name] = new JsonArray(value);
                break;
        }
    }

    /// <summary>
    /// Expands a <c>FROM</c>/<c>ADAPTER</c>/<c>DRAFT</c> path: absolute (or starting with <c>/</c> or <c>\</c>) as is;
    /// <c>~</c> and <c>~/…</c> under the current user's home; <c>~name/…</c> under that user's home; anything else
    /// relative to <paramref name="relativeDirectory"/> (itself relative to the working directory).
    /// </summary>
    public static string ExpandPath(string path, string relativeDirectory, ModelfileEnvironment? environment = null)
    {
        var env = environment ?? new ModelfileEnvironment();
        if (Path.IsPathRooted(path) || path.StartsWith('\\') || path.StartsWith('/')) return Path.GetFullPath(path);
        if (path.StartsWith('~'))
        {
            string home, rest;
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            {
                home = env.CurrentUserHome();
                rest = path[1..];
            }
            else
            {
                string tail = path[1..];
                int slash = tail.IndexOf('/');
                string user = slash >= 0 ? tail[..slash] : tail;
                home = env.LookupUserHome(user) ?? throw new ModelfileException($"failed to find user '{user}': user: unknown user {user}");
                rest = slash >= 0 ? "/" + tail[(slash + 1)..] : "";
            }
            return Path.GetFullPath(Path.Join(home, rest.TrimStart('/')));
        }
        return Path.GetFullPath(Path.Join(relativeDirectory, path));
    }

    /// <summary>The names files are sent under: the base name for one file; for several, paths relative to their deepest
    /// common folder, <c>/</c>-separated (runtime.md §6.2 step 5).</summary>
    public static IReadOnlyDictionary<string, string> WireFileNames(IEnumerable<string> localPaths)
    {
        var paths = localPaths.ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string? root = paths.Count >= 2 ? CommonRoot(paths) : null;
        foreach (var p in paths)
        {
            string name = Path.GetFileName(p);
            if (root is not null)
            {
                string rel = Path.GetRelativePath(root, Path.GetFullPath(p));
                if (rel != "." && rel != ".." && !rel.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)) name = rel;
            }
            names[p] = name.Replace(Path.DirectorySeparatorChar, '/');
        }
        return names;
    }

    /// <summary>Replaces local-path keys with wire names (after the blobs were uploaded).</summary>
    public static Dictionary<string, string>? ToWireKeys(Dictionary<string, string>? files)
    {
        if (files is null) return null;
        var names = WireFileNames(files.Keys);
        return files.ToDictionary(kv => names[kv.Key], kv => kv.Value, StringComparer.Ordinal);
    }

    private static string? CommonRoot(List<string> paths)
    {
        string? root = null;
        foreach (var p in paths)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(p))!;
            if (root is null)
            {
                root = dir;
                continue;
            }
            while (!IsWithin(dir, root))
            {
                string? parent = Path.GetDirectoryName(root);
                if (parent is null || parent == root) return null;
                root = parent;
            }
        }
        return root;
    }

    private static bool IsWithin(string dir, string root)
    {
        string rel = Path.GetRelativePath(root, dir);
        return rel == "." || (rel != ".." && !rel.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(rel));
    }

    private static void RejectSamePath(string path, List<string> existing)
    {
        string real = RealPath.Resolve(path);
        foreach (var other in existing)
            if (RealPath.Resolve(other) == real)
                throw new ModelfileException($"DRAFT must not reference the same local path as FROM: {path}");
    }

    /// <summary>Path → <c>sha256:</c> digest for a file, or for the weight files discovered in a directory.</summary>
    public static Dictionary<string, string> FileDigests(string path, ModelfileEnvironment? environment = null)
    {
        var env = environment ?? new ModelfileEnvironment();
        List<string> files;
        if (Directory.Exists(path))
        {
            string realDir = RealPath.Resolve(path);
            files = [];
            foreach (var f in ModelFileDiscovery.FilesForModel(path))
            {
                string real = RealPath.Resolve(f);
                string rel = Path.GetRelativePath(realDir, real);
                if (!IsLocal(rel))
                {
                    string shown = Path.GetRelativePath(path, real);
                    if (shown.Contains(".cache", StringComparison.Ordinal))
                        throw new ModelfileException($"insecure path: {shown}\n\nUse --local-dir <dir> when downloading model to disable caching");
                    throw new ModelfileException($"insecure path: {shown}");
                }
                files.Add(real);
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"stat {path}: no such file or directory", path);
        }

        var result = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = env.HashParallelism }, f =>
        {
            using var fs = new FileStream(RealPath.Resolve(f), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            result[f] = Digest.FromHash(SHA256.HashData(fs));
        });
        return new Dictionary<string, string>(result, StringComparer.Ordinal);
    }

    // Go's filepath.IsLocal for a path produced by Rel.
    private static bool IsLocal(string rel) =>
        rel.Length > 0 && !Path.IsPathRooted(rel) && rel != ".." && !rel.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
