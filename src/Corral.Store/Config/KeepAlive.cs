using System.Globalization;
using System.Text.Json;

namespace Corral.Config;

/// <summary>A <c>keep_alive</c> request value of an unsupported JSON type, or a string Go cannot parse as a duration.</summary>
public sealed class KeepAliveFormatException(string message) : FormatException(message);

/// <summary>Keep-alive and load-timeout values (runtime.md §1.5, api.md §1.7).</summary>
public static class KeepAlive
{
    public static readonly GoDuration Default = GoDuration.FromMinutes(5);

    /// <summary>
    /// <c>OLLAMA_KEEP_ALIVE</c>: a Go duration, else a plain integer of seconds, else the default (silently).
    /// Negative means forever (<see cref="GoDuration.Infinite"/>); zero unloads right after the request.
    /// </summary>
    public static GoDuration ParseEnvironment(string? value)
    {
        var d = ParseDurationOrSeconds(value, Default);
        return d.Nanoseconds < 0 ? GoDuration.Infinite : d;
    }

    /// <summary><c>OLLAMA_LOAD_TIMEOUT</c>: parsed like keep-alive; zero or negative means no timeout (<see cref="GoDuration.Infinite"/>).</summary>
    public static GoDuration ParseLoadTimeout(string? value)
    {
        var d = ParseDurationOrSeconds(value, Default);
        return d.Nanoseconds <= 0 ? GoDuration.Infinite : d;
    }

    /// <summary>
    /// A request's <c>keep_alive</c>: a number is seconds (fractions allowed, negative = forever); a string is a Go duration
    /// (negative = forever; a unit-less string other than <c>"0"</c> is an error). Any other JSON type fails with
    /// <c>Unsupported type: '&lt;go type&gt;'</c>. JSON <c>null</c> means "absent" and must be handled by the caller.
    /// </summary>
    public static GoDuration FromJson(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
            {
                double seconds = value.GetDouble();
                return seconds < 0 ? GoDuration.Infinite : GoDuration.FromSeconds(seconds);
            }
            case JsonValueKind.String:
            {
                GoDuration d;
                try { d = GoDuration.Parse(value.GetString()!); }
                catch (GoDurationFormatException e) { throw new KeepAliveFormatException(e.Message); }
                return d.Nanoseconds < 0 ? GoDuration.Infinite : d;
            }
            default:
                throw new KeepAliveFormatException($"Unsupported type: '{GoTypeName(value.ValueKind)}'");
        }
    }

    /// <summary>What the Go client sends: <c>-1</c> for a negative (forever) duration, else the quoted Go duration string.</summary>
    public static string ToJson(GoDuration duration) =>
        duration.Nanoseconds < 0 ? "-1" : "\"" + duration.ToString() + "\"";

    private static GoDuration ParseDurationOrSeconds(string? value, GoDuration fallback)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (GoDuration.TryParse(value, out var d)) return d;
        if (GoInt.TryParseInt64(value, out long seconds))
        {
            try { return new GoDuration(checked(seconds * GoDuration.Second)); }
            catch (OverflowException) { return new GoDuration(unchecked(seconds * GoDuration.Second)); } // Go wraps too
        }
        return fallback;
    }

    private static string GoTypeName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Array => "[]interface {}",
        JsonValueKind.Object => "map[string]interface {}",
        _ => "%!s(<nil>)",
    };
}
