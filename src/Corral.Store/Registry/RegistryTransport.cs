using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Corral.Store.Registry;

/// <summary>Auth state of one pull or push: whether to force <c>http</c>, and the bearer token once a challenge was answered.</summary>
internal sealed class RegistrySession(bool insecure)
{
    public bool Insecure { get; } = insecure;
    public string? Token { get; set; }
}

/// <summary>How a request treats redirects.</summary>
internal enum RedirectPolicy
{
    /// <summary>Follow up to 10 redirects to any host (the authorization header is dropped when the host changes).</summary>
    Follow,
    /// <summary>Follow while the host stays the same; return the first cross-host redirect response as it is.</summary>
    SameHostOnly,
    /// <summary>Return any redirect response as it is.</summary>
    None,
}

/// <summary>
/// The request rules every registry call shares (runtime.md §4.1): user agent, <c>http</c> when insecure, bearer token,
/// and the two-attempt auth loop — a 401 is answered by fetching a token with a signed request (§4.2), a 404 becomes
/// <see cref="RegistryNotFoundException"/>, any other status ≥ 400 becomes <c>&lt;code&gt;: &lt;body&gt;</c>.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private const int MaxRedirects = 10;
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>Standard base64 of the hex SHA-256 of an empty body: the last field of every signed token request.</summary>
    internal static readonly string EmptyBodyHash = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData([]))));

    private readonly RegistryClientOptions _options;

    public RegistryTransport(RegistryClientOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            UseCookies = false,
        };
        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The raw client (no redirects, no default headers); data-plane requests use it directly.</summary>
    public HttpClient Http { get; }

    public void Dispose() => Http.Dispose();

    /// <summary>The URL with its scheme forced to <c>http</c> when the session is insecure.</summary>
    public static Uri Effective(RegistrySession session, Uri url) =>
        session.Insecure && url.Scheme != "http" ? new UriBuilder(url) { Scheme = "http", Port = url.IsDefaultPort ? -1 : url.Port }.Uri : url;

    /// <summary>
    /// Sends a registry request through the auth loop. <paramref name="content"/> is called once per attempt (so a body can
    /// be replayed after a 401). Returns a response with status &lt; 400 (a redirect only under <see cref="RedirectPolicy.SameHostOnly"/>
    /// or <see cref="RedirectPolicy.None"/>); the caller disposes it.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        RegistrySession session, HttpMethod method, Uri url, CancellationToken ct,
        Action<HttpRequestHeaders>? headers = null, Func<HttpContent?>? content = null,
        RedirectPolicy redirects = RedirectPolicy.Follow, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        url = Effective(session, url);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var response = await SendFollowingAsync(method, url, session.Token, headers, content, redirects, completion, ct).ConfigureAwait(false);
            int code = (int)response.StatusCode;
            if (code == 401)
            {
                var challenge = RegistryChallenge.Parse(WwwAuthenticate(response));
                response.Dispose();
                session.Token = await GetTokenAsync(challenge, url, ct).ConfigureAwait(false);
                continue;
            }
            if (code == 404)
            {
                response.Dispose();
                throw new RegistryNotFoundException();
            }
            if (code >= 400)
            {
                using (response) throw new RegistryHttpException(code, $"{code}: {await ReadErrorBodyAsync(response, ct).ConfigureAwait(false)}");
            }
            return response;
        }
        throw new RegistryUnauthorizedException();
    }

    /// <summary>
    /// Answers a challenge (runtime.md §4.2.1): builds the token URL, refuses a realm on another host than
    /// <paramref name="original"/>, signs <c>GET,&lt;url&gt;,&lt;empty-body hash&gt;</c> and returns the token.
    /// </summary>
    public async Task<string> GetTokenAsync(RegistryChallenge challenge, Uri original, CancellationToken ct)
    {
        var tokenUrl = challenge.TokenUrl();
        if (!string.Equals(tokenUrl.Authority, original.Authority, StringComparison.OrdinalIgnoreCase))
            throw new RegistryException($"realm host {GoFormat.Quote(tokenUrl.Authority)} does not match original host {GoFormat.Quote(original.Authority)}");

        string signed = SignedTokenRequest(tokenUrl);
        var key = _options.KeyProvider?.Invoke() ?? throw new RegistryKeyException("Failed to load private key: no signing key is configured");
        string signature = key.SignAuthorization(Encoding.UTF8.GetBytes(signed));

        using var response = await SendFollowingAsync(HttpMethod.Get, tokenUrl, token: null,
            h => h.TryAddWithoutValidation("Authorization", signature), null, RedirectPolicy.Follow, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        string body = await ReadErrorBodyAsync(response, ct).ConfigureAwait(false);
        int code = (int)response.StatusCode;
        if (code >= 400) throw new RegistryHttpException(code, body.Length > 0 ? $"{code}: {body}" : $"{code}");
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                doc.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String)
                return t.GetString()!;
            return "";
        }
        catch (JsonException e)
        {
            throw new RegistryException($"registry token response is not JSON: {e.Message}", e);
        }
    }

    /// <summary>The exact string signed for a token request: <c>GET,&lt;token URL&gt;,&lt;base64 of hex sha256("")&gt;</c>.</summary>
    public static string SignedTokenRequest(Uri tokenUrl) => $"GET,{tokenUrl.AbsoluteUri},{EmptyBodyHash}";

    private async Task<HttpResponseMessage> SendFollowingAsync(
        HttpMethod method, Uri url, string? token, Action<HttpRequestHeaders>? headers, Func<HttpContent?>? content,
        RedirectPolicy redirects, HttpCompletionOption completion, CancellationToken ct)
    {
        var originalHost = url.Host;
        var current = url;
        bool sendToken = token is not null;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            headers?.Invoke(request.Headers);
            if (sendToken) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (content is not null) request.Content = content();
            var response = await Http.SendAsync(request, completion, ct).ConfigureAwait(false);
            if (redirects == RedirectPolicy.None || !IsRedirect(response.StatusCode) || response.Headers.Location is null) return response;

            var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(current, response.Headers.Location);
            bool sameHost = string.Equals(next.Host, originalHost, StringComparison.OrdinalIgnoreCase);
            if (redirects == RedirectPolicy.SameHostOnly && !sameHost) return response;
            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new RegistryException(redirects == RedirectPolicy.SameHostOnly
                    ? "maximum redirects exceeded (10) for directURL"
                    : $"stopped after {MaxRedirects} redirects");
            }
            response.Dispose();
            if (!sameHost) sendToken = false; // never hand a registry token to another host
            if (response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
                content = null;
            }
            current = next;
        }
    }

    internal static bool IsRedirect(HttpStatusCode code) => (int)code is 301 or 302 or 303 or 307 or 308;

    private static string? WwwAuthenticate(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) ? string.Join(", ", values) : null;

    /// <summary>The response body as text, capped so a misbehaving server cannot flood an error message.</summary>
    internal static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBody];
            int total = 0, n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0) total += n;
            return Encoding.UTF8.GetString(buffer, 0, total).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return e.Message;
        }
    }
}
