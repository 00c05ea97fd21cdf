using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Cli.Commands;

namespace Corral.Cli.Client;

/// <summary>
/// The CLI's HTTP client for a Corral/Ollama server, speaking the API as Ollama's Go client does: JSON bodies with
/// <c>Accept: application/json</c>, NDJSON streams (<c>Accept: application/x-ndjson</c>) where any line with an
/// <c>error</c> key is fatal, and a clear message when nothing listens at <c>OLLAMA_HOST</c>.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public const string NotRunningMessage = "could not connect to ollama server, run 'corral serve' to start it";

    private readonly HttpClient _http;

    public Uri BaseAddress { get; }

    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c> on every request when set (servers with <c>CORRAL_API_KEYS</c>).</param>
    public ApiClient(Uri baseAddress, string? apiKey = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"ollama/{Server.CorralVersion.Ollama} (amd64 linux) corral/{Server.CorralVersion.Corral}");
        if (!string.IsNullOrEmpty(apiKey)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The key the CLI presents: <c>CORRAL_API_KEY</c>, else <c>OLLAMA_API_KEY</c>; null when neither is set.</summary>
    public static string? ApiKeyFrom(Corral.Config.EnvConfig env)
    {
        string key = env.Var("CORRAL_API_KEY");
        if (key.Length == 0) key = env.Var("OLLAMA_API_KEY");
        return key.Length > 0 ? key : null;
    }

    /// <summary><c>HEAD /</c>; throws the "could not connect" message when the server is not running.</summary>
    public async Task EnsureServerAsync(CancellationToken cancellation = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Head, "/");
        using var resp = await SendAsync(req, cancellation, HttpCompletionOption.ResponseContentRead);
        if ((int)resp.StatusCode >= 400) await ThrowFromResponse(resp, cancellation);
    }

    public async Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(Request(HttpMethod.Get, path, null), cancellation);
        return await ReadJsonOrThrow(resp, cancellation);
    }

    public async Task<JsonNode?> PostJsonAsync(string path, JsonNode body, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(Request(HttpMethod.Post, path, body), cancellation);
        return await ReadJsonOrThrow(resp, cancellation);
    }

    /// <summary>A request whose answer carries no body of interest (<c>/api/copy</c>, <c>/api/delete</c>).</summary>
    public async Task SendAsync(HttpMethod method, string path, JsonNode body, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(Request(method, path, body), cancellation);
        if ((int)resp.StatusCode >= 400) await ThrowFromResponse(resp, cancellation);
    }

    /// <summary>
    /// POSTs and yields each NDJSON object. As Ollama's client does: an error status yields
    /// <c>"&lt;status&gt;: &lt;message&gt;"</c>, a line with an <c>error</c> key ends the stream with that message, and a
    /// line that is not JSON is itself the error.
    /// </summary>
    public async IAsyncEnumerable<JsonObject> StreamAsync(string path, JsonNode body, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var req = Request(HttpMethod.Post, path, body);
        req.Headers.Accept.Clear();
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var resp = await SendAsync(req, cancellation, HttpCompletionOption.ResponseHeadersRead);
        int status = (int)resp.StatusCode;
        string statusLine = $"{status} {resp.ReasonPhrase ?? ReasonPhrase(status)}";
        await using var stream = await resp.Content.ReadAsStreamAsync(cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellation);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new CliException("the connection to the server was lost: " + e.Message);
            }
            if (line is null) break;
            if (line.Length == 0) continue;
            JsonObject? node;
            try
            {
                node = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                node = null;
            }
            if (node is null)
            {
                if (status >= 400) throw new ApiError(status, line, statusLine);
                throw new ApiError(status, line);
            }
            string? error = node["error"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
            if (status >= 400) throw new ApiError(status, error ?? "", statusLine);
            if (!string.IsNullOrEmpty(error)) throw new ApiError(status, error);
            yield return node;
        }
        if (status >= 400) throw new ApiError(status, "", statusLine);
    }

    public async Task<HttpStatusCode> HeadAsync(string path, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Head, path), cancellation);
        return resp.StatusCode;
    }

    /// <summary><c>POST /api/blobs/&lt;digest&gt;</c> with the stream as the body.</summary>
    public async Task UploadBlobAsync(string digest, Stream content, CancellationToken cancellation = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/blobs/" + digest) { Content = new StreamContent(content, 1 << 20) };
        using var resp = await SendAsync(req, cancellation);
        if ((int)resp.StatusCode >= 400) await ThrowFromResponse(resp, cancellation);
    }

    // Non-ASCII text goes out as UTF-8 rather than \u escapes (both are valid JSON; this is what Go's encoder writes).
    private static readonly JsonSerializerOptions WireOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static HttpRequestMessage Request(HttpMethod method, string path, JsonNode? body)
    {
        var req = new HttpRequestMessage(method, path);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null) req.Content = new StringContent(body.ToJsonString(WireOptions), Encoding.UTF8, "application/json");
        return req;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken cancellation, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(req, option, cancellation);
        }
        catch (HttpRequestException e) when (IsConnectFailure(e))
        {
            throw new CliException(NotRunningMessage);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"{req.Method} \"{new Uri(BaseAddress, req.RequestUri!)}\": {e.Message}");
        }
        finally
        {
            req.Dispose();
        }
    }

    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable };

    private static async Task<JsonNode?> ReadJsonOrThrow(HttpResponseMessage resp, CancellationToken cancellation)
    {
        if ((int)resp.StatusCode >= 400) await ThrowFromResponse(resp, cancellation);
        var text = await resp.Content.ReadAsStringAsync(cancellation);
        if (text.Length == 0) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new CliException("the server sent a response that is not JSON: " + e.Message);
        }
    }

    /// <summary>A non-streamed error: the <c>error</c> field of a JSON body, else the whole body.</summary>
    private static async Task ThrowFromResponse(HttpResponseMessage resp, CancellationToken cancellation)
    {
        string text = await resp.Content.ReadAsStringAsync(cancellation);
        string message = text;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o)
                message = o["error"] is JsonValue e && e.TryGetValue(out string? s) ? s : "";
        }
        catch (JsonException) { }
        throw new ApiError((int)resp.StatusCode, message);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    };

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// An error the server answered. <see cref="Exception.Message"/> follows Ollama's client: the server's message, or
/// <c>"404 Not Found: message"</c> for a streamed request refused with an error status.
/// </summary>
public sealed class ApiError(int status, string serverMessage, string statusLine = "") : Exception(Format(statusLine, serverMessage))
{
    public int Status { get; } = status;

    /// <summary>The server's own message (the <c>error</c> field).</summary>
    public string ServerMessage { get; } = serverMessage;

    private static string Format(string statusLine, string message) => (statusLine.Length > 0, message.Length > 0) switch
    {
        (true, true) => $"{statusLine}: {message}",
        (true, false) => statusLine,
        (false, true) => message,
        _ => "something went wrong, please see the ollama server logs for details",
    };
}
