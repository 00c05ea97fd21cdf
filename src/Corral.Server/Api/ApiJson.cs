using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corral.Server.Api;

/// <summary>JSON conventions of the Ollama API: Go's encoding/json on the way in, compact UTF-8 on the way out.</summary>
public static class ApiJson
{
    /// <summary>
    /// Requests: keys match case-insensitively, unknown keys are ignored, null means absent, numbers
    /// with fractions are rejected for integer fields (System.Text.Json does that by default).
    /// Responses: compact, non-ASCII kept as UTF-8, empty optional fields omitted by the DTOs.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNameCaseInsensitive = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>RFC 3339 UTC with 0–9 fractional digits (trailing zeros dropped), as Go prints <c>time.Time</c>.</summary>
    public static string Timestamp(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        string s = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        long ticks = utc.Ticks % TimeSpan.TicksPerSecond;
        if (ticks != 0) s += "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return s + "Z";
    }

    /// <summary>Local-zone timestamp with numeric offset (or Z in UTC), as Go prints modified_at/expires_at.</summary>
    public static string LocalTimestamp(DateTimeOffset t)
    {
        var local = t.ToLocalTime();
        string s = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        long ticks = local.Ticks % TimeSpan.TicksPerSecond;
        if (ticks != 0) s += "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        if (local.Offset == TimeSpan.Zero) return s + "Z";
        var off = local.Offset;
        return s + (off < TimeSpan.Zero ? "-" : "+") + off.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
    }
}
