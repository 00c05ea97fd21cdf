using System.Globalization;
using System.Text.Json;

namespace Corral.Store.Registry;

/// <summary>
/// One byte range of a blob being downloaded, persisted as <c>&lt;blob&gt;-partial-&lt;N&gt;</c> holding upstream's JSON
/// <c>{"N":n,"Offset":o,"Size":s,"Completed":c}</c> so an interrupted pull resumes where it stopped (runtime.md §4.4).
/// <see cref="Completed"/> only ever counts bytes already written to the data file.
/// </summary>
internal sealed class BlobDownloadPart(int n, long offset, long size, long completed)
{
    private long _completed = completed;

    public int N { get; } = n;
    public long Offset { get; } = offset;
    public long Size { get; } = size;
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>First byte still missing.</summary>
    public long StartsAt => Offset + Completed;

    /// <summary>One past the last byte.</summary>
    public long StopsAt => Offset + Size;

    public bool IsComplete => Completed >= Size;

    public void Advance(long bytes) => Interlocked.Add(ref _completed, bytes);

    public static string StatePath(string blobPath, int n) => blobPath + "-partial-" + n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the state file (Go's encoder output: compact JSON and a newline).</summary>
    public void Save(string blobPath)
    {
        string json = string.Create(CultureInfo.InvariantCulture, $"{{\"N\":{N},\"Offset\":{Offset},\"Size\":{Size},\"Completed\":{Completed}}}\n");
        File.WriteAllText(StatePath(blobPath, N), json);
    }

    /// <summary>Reads a state file; null when it is not valid part JSON (the download then starts over).</summary>
    public static BlobDownloadPart? Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = false });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            long n = -1, offset = -1, size = -1, completed = -1;
            foreach (var p in root.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out long v)) continue;
                switch (p.Name.ToLowerInvariant())
                {
                    case "n": n = v; break;
                    case "offset": offset = v; break;
                    case "size": size = v; break;
                    case "completed": completed = v; break;
                }
            }
            if (n is < 0 or > int.MaxValue || offset < 0 || size < 0 || completed < 0 || completed > size) return null;
            return new BlobDownloadPart((int)n, offset, size, completed);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Every <c>&lt;blob&gt;-partial-&lt;digits&gt;</c> file next to <paramref name="blobPath"/>.</summary>
    public static IReadOnlyList<string> FindStateFiles(string blobPath)
    {
        string dir = Path.GetDirectoryName(blobPath)!;
        string prefix = Path.GetFileName(blobPath) + "-partial-";
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, prefix + "*")
            .Where(f => Path.GetFileName(f).Length > prefix.Length && Path.GetFileName(f)[prefix.Length..].All(char.IsAsciiDigit))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
