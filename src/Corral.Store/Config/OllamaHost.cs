using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Corral.Config;

/// <summary>
/// The server URL from <c>OLLAMA_HOST</c> (runtime.md §1.3): <c>scheme://host:port[/path]</c>. <see cref="Host"/> is empty
/// for <c>:port</c> (listen on every interface). <see cref="ToString"/> is the URL the CLI uses as is.
/// </summary>
public sealed record OllamaHost(string Scheme, string Host, string Port, string Path)
{
    public const string DefaultPort = "11434";

    public static readonly OllamaHost Default = new("http", "127.0.0.1", DefaultPort, "");

    /// <summary><c>host:port</c>, with IPv6 hosts in brackets.</summary>
    public string HostPort => JoinHostPort(Host, Port);

    /// <summary>The port as a number (Go accepted it as an integer in 0–65535 or replaced it with the default).</summary>
    public int PortNumber => int.Parse(Port, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public override string ToString()
    {
        string url = Scheme + "://" + HostPort;
        if (Path.Length > 0) url += Path[0] == '/' ? Path : "/" + Path;
        return url;
    }

    /// <summary>
    /// Parses an <c>OLLAMA_HOST</c> value (already trimmed of quotes by the environment reader). Never fails: a port that
    /// is not an integer in 0–65535 is reported through <paramref name="warn"/> and replaced by the scheme's default.
    /// </summary>
    public static OllamaHost Parse(string? value, Action<string>? warn = null)
    {
        string defaultPort = DefaultPort;
        string s = (value ?? "").Trim();
        string scheme, hostport;
        int sep = s.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0)
        {
            (scheme, hostport) = ("http", s);
            if (s == "ollama.com") (scheme, hostport) = ("https", "ollama.com:443");
        }
        else
        {
            scheme = s[..sep];
            hostport = s[(sep + 3)..];
            if (scheme == "http") defaultPort = "80";
            else if (scheme == "https") defaultPort = "443";
        }

        string path = "";
        int slash = hostport.IndexOf('/');
        if (slash >= 0)
        {
            path = hostport[(slash + 1)..];
            hostport = hostport[..slash];
        }

        if (!TrySplitHostPort(hostport, out string host, out string port))
        {
            host = "127.0.0.1";
            port = defaultPort;
            if (TryParseGoIP(hostport.Trim('[', ']'), out var ip)) host = FormatGoIP(ip);
            else if (hostport.Length > 0) host = hostport;
        }

        if (!GoInt.TryParseInt64(port, out long n) || n is > int.MaxValue or < int.MinValue || n > 65535 || n < 0)
        {
            warn?.Invoke($"invalid port, using default port={port} default={defaultPort}");
            port = defaultPort;
        }
        return new OllamaHost(scheme, host, port, path);
    }

    /// <summary>The same URL with an unspecified bind address (<c>0.0.0.0</c>, <c>::</c>) replaced by loopback, for clients.</summary>
    public OllamaHost Connectable()
    {
        if (TryParseGoIP(Host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            return this with { Host = ip.AddressFamily == AddressFamily.InterNetwork ? "127.0.0.1" : "::1" };
        return this;
    }

    /// <summary>Go's <c>net.JoinHostPort</c>.</summary>
    public static string JoinHostPort(string host, string port) =>
        host.Contains(':') ? "[" + host + "]:" + port : host + ":" + port;

    /// <summary>Go's <c>net.SplitHostPort</c>: fails for a missing port, too many colons or misplaced brackets.</summary>
    public static bool TrySplitHostPort(string hostport, out string host, out string port)
    {
        host = port = "";
        int i = hostport.LastIndexOf(':');
        if (i < 0) return false;
        int j = 0, k = 0;
        if (hostport[0] == '[')
        {
            int end = hostport.IndexOf(']');
            if (end < 0) return false;
            if (end + 1 == hostport.Length) return false;
            if (end + 1 != i) return false;
            host = hostport[1..end];
            j = 1;
            k = end + 1;
        }
        else
        {
            host = hostport[..i];
            if (host.Contains(':')) return false;
        }
        if (hostport.AsSpan(j).Contains('[')) return false;
        if (hostport.AsSpan(k).Contains(']')) return false;
        port = hostport[(i + 1)..];
        return true;
    }

    /// <summary>Go's <c>net.ParseIP</c>: dotted-decimal IPv4 (four parts, no leading zeros) or IPv6 without a zone.</summary>
    public static bool TryParseGoIP(string s, out IPAddress ip)
    {
        ip = IPAddress.None;
        if (s.Contains(':'))
        {
            if (s.Contains('%') || !IPAddress.TryParse(s, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return false;
            ip = v6;
            return true;
        }
        var parts = s.Split('.');
        if (parts.Length != 4) return false;
        var bytes = new byte[4];
        for (int p = 0; p < 4; p++)
        {
            string part = parts[p];
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')) return false;
            int v = 0;
            foreach (char c in part)
            {
                if (c is < '0' or > '9') return false;
                v = v * 10 + (c - '0');
            }
            if (v > 255) return false;
            bytes[p] = (byte)v;
        }
        ip = new IPAddress(bytes);
        return true;
    }

    /// <summary>Go's <c>IP.String()</c>: IPv4-mapped IPv6 addresses print as IPv4.</summary>
    public static string FormatGoIP(IPAddress ip) =>
        ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
}
