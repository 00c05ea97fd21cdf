using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Http;

/// <summary>
/// Upstream's two guards in its order (api.md §1.8–1.9): CORS against <c>OLLAMA_ORIGINS</c> plus the
/// built-in local origins, then — only when listening on a loopback address — a Host-header allow-list
/// against DNS rebinding. Refusals are 403 with an empty body.
/// </summary>
public sealed class CorsAndHostMiddleware(RequestDelegate next, CorsPolicy policy, bool loopbackOnly)
{
    public const string AllowMethods = "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS";
    public const string AllowHeaders = "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,X-Stainless-Poll-Helper,X-Stainless-Retry-Count,X-Stainless-Runtime,X-Stainless-Runtime-Version,X-Stainless-Timeout";

    private static readonly Lazy<HashSet<IPAddress>> s_localAddresses = new(LocalAddresses);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        string origin = request.Headers.Origin.ToString();
        string host = request.Host.Value ?? "";
        bool sameOrigin = origin.Length == 0 || origin == "http://" + host || origin == "https://" + host;
        if (!sameOrigin)
        {
            if (!policy.IsAllowed(origin))
            {
                context.Response.StatusCode = 403;
                return;
            }
            var h = context.Response.Headers;
            h.AccessControlAllowOrigin = policy.AllowAll ? "*" : origin;
            if (!policy.AllowAll) h.Vary = "Origin";
            if (HttpMethods.IsOptions(request.Method))
            {
                h.AccessControlAllowMethods = AllowMethods;
                h.AccessControlAllowHeaders = AllowHeaders;
                h.AccessControlMaxAge = "43200";
                if (!policy.AllowAll) h.Vary = new(["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]);
                context.Response.StatusCode = 204;
                return;
            }
        }
        if (loopbackOnly)
        {
            var verdict = CheckHost(host);
            if (verdict == HostVerdict.Reject)
            {
                context.Response.StatusCode = 403;
                return;
            }
            if (verdict == HostVerdict.AllowedName && HttpMethods.IsOptions(request.Method))
            {
                context.Response.StatusCode = 204;
                return;
            }
        }
        await next(context);
    }

    private enum HostVerdict { AllowedAddress, AllowedName, Reject }

    private static HostVerdict CheckHost(string hostHeader)
    {
        string host = hostHeader;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            host = close > 0 ? host[1..close] : host;
        }
        else if (host.Count(c => c == ':') == 1)
        {
            host = host[..host.IndexOf(':')];
        }
        if (IPAddress.TryParse(host, out var ip))
        {
            if (IPAddress.IsLoopback(ip) || IsPrivate(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || s_localAddresses.Value.Contains(ip))
                return HostVerdict.AllowedAddress;
            return HostVerdict.Reject;
        }
        string lower = host.ToLowerInvariant();
        if (lower.Length == 0 || lower == "localhost" || lower == Dns.GetHostName().ToLowerInvariant() ||
            lower.EndsWith(".localhost", StringComparison.Ordinal) || lower.EndsWith(".local", StringComparison.Ordinal) || lower.EndsWith(".internal", StringComparison.Ordinal))
            return HostVerdict.AllowedName;
        return HostVerdict.Reject;
    }

    private static bool IsPrivate(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var b = ip.GetAddressBytes();
        if (b.Length == 4)
            return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168);
        return (b[0] & 0xFE) == 0xFC; // fc00::/7
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var a in ni.GetIPProperties().UnicastAddresses) set.Add(a.Address);
        }
        catch (NetworkInformationException) { }
        return set;
    }
}

/// <summary>The allowed CORS origins: exact entries and single-<c>*</c> wildcards (prefix, suffix or both).</summary>
public sealed class CorsPolicy
{
    private readonly List<string> _exact = [];
    private readonly List<(string Prefix, string Suffix)> _wildcards = [];

    public bool AllowAll { get; }

    public CorsPolicy(IEnumerable<string> origins)
    {
        foreach (var o in origins)
        {
            if (o == "*") { AllowAll = true; continue; }
            int star = o.IndexOf('*');
            if (star < 0) _exact.Add(o.ToLowerInvariant());
            else _wildcards.Add((o[..star], o[(star + 1)..]));
        }
    }

    public bool IsAllowed(string origin)
    {
        if (AllowAll) return true;
        foreach (var e in _exact) if (e == origin) return true;
        foreach (var (p, s) in _wildcards)
            if (origin.Length >= p.Length + s.Length && origin.StartsWith(p, StringComparison.Ordinal) && origin.EndsWith(s, StringComparison.Ordinal)) return true;
        return false;
    }
}
