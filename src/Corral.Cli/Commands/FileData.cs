using System.Text;
using System.Text.RegularExpressions;

namespace Corral.Cli.Commands;

/// <summary>
/// Image and audio paths in prompts for multimodal models (runtime.md §7.4): paths starting with <c>/</c>, <c>./</c>
/// or <c>\</c> (optionally after a drive letter) ending in .jpg/.jpeg/.png/.webp/.wav are read, checked and removed
/// from the text.
/// </summary>
public static partial class FileData
{
    private const long MaxSize = 100L * 1024 * 1024;

    [GeneratedRegex(@"(?:[a-zA-Z]:)?(?:\./|/|\\)[\S\\ ]+?\.(?i:jpg|jpeg|png|webp|wav)\b")]
    private static partial Regex FilePathPattern();

    public static IReadOnlyList<string> ExtractFileNames(string input) =>
        FilePathPattern().Matches(input).Select(m => m.Value).ToList();

    /// <summary>Undoes shell escapes (<c>\ </c>, <c>\(</c>, …) in a dropped path.</summary>
    public static string NormalizePath(string path)
    {
        var sb = new StringBuilder(path.Length);
        for (int i = 0; i < path.Length; i++)
        {
            if (path[i] == '\\' && i + 1 < path.Length && " ()[]{}$&;'\\*?~".Contains(path[i + 1]))
            {
                sb.Append(path[++i]);
                continue;
            }
            sb.Append(path[i]);
        }
        return sb.ToString();
    }

    /// <summary>The prompt without the accepted file paths, and the files' bytes.</summary>
    public static (string Prompt, List<byte[]> Files) Extract(string input, TextWriter err)
    {
        var files = new List<byte[]>();
        foreach (var raw in ExtractFileNames(input))
        {
            string path = NormalizePath(raw);
            if (!File.Exists(path)) continue;
            byte[] data;
            try
            {
                data = Read(path);
            }
            catch (CliException e)
            {
                err.WriteLine($"Couldn't process file: {Corral.Store.GoFormat.Quote(e.Message)}");
                throw;
            }
            err.WriteLine(Path.GetExtension(path).Equals(".wav", StringComparison.OrdinalIgnoreCase) ? $"Added audio '{path}'" : $"Added image '{path}'");
            input = input.Replace("'" + path + "'", "").Replace("'" + raw + "'", "").Replace(raw, "");
            files.Add(data);
        }
        return (input.Trim(), files);
    }

    private static byte[] Read(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[512];
        int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        string type = SniffContentType(head.AsSpan(0, n));
        if (type is not ("image/jpeg" or "image/png" or "image/webp" or "audio/wave")) throw new CliException($"invalid file type: {type}");
        if (f.Length > MaxSize) throw new CliException("file size exceeds maximum limit (100MB)");
        return File.ReadAllBytes(path);
    }

    /// <summary>The subset of Go's <c>http.DetectContentType</c> that matters here.</summary>
    public static string SniffContentType(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (b.Length >= 14 && b.StartsWith("RIFF"u8) && b[8..14].SequenceEqual("WEBPVP"u8)) return "image/webp";
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WAVE"u8)) return "audio/wave";
        if (b.StartsWith("GIF8"u8)) return "image/gif";
        if (b.StartsWith("%PDF-"u8)) return "application/pdf";
        foreach (byte c in b)
            if (c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B)) return "application/octet-stream";
        return "text/plain; charset=utf-8";
    }
}
