using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Cli.Commands;

namespace Corral.Cli.Client;

/// <summary>
/// The CLI's HTTP client for a Corral/Ollama server, speaking the API exactly as Ollama's Go client:
/// JSON bodies, NDJSON streams where any line with an <c>error</c> key is fatal, and a clear message when
/// nothing listens at <c>OLLAMA_HOST</c>.
/// </summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public Uri BaseAddress { get; }

    public ApiClient(Uri baseAddress)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"ollama/{Server.CorralVersion.Ollama} (amd64 linux) corral/{Server.CorralVersion.Corral}");
    }

    /// <summary><c>HEAD /</c>; throws the upstream wording when the server is not running.</summary>
    public async Task EnsureServerAsync(CancellationToken cancellation = default)
    {
        try
        {
            using var req = new HttpRequestMessage(HttpMethod.Head, "/");
            using var resp = await _http.SendAsync(req, cancellation);
        }
        catch (HttpRequestException)
        {
            throw new CliException("could not connect to ollama server, run 'corral serve' to start it");
        }
    }

    public async Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellation);
        return await ReadJsonOrThrow(resp, cancellation);
    }

    public async Task<JsonNode?> PostJsonAsync(string path, object body, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) }, cancellation);
        return await ReadJsonOrThrow(resp, cancellation);
    }

    public async Task SendNoContentAsync(HttpMethod method, string path, object body, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(method, path) { Content = Json(body) }, cancellation);
        if (!resp.IsSuccessStatusCode) await ThrowFromResponse(resp, cancellation);
    }

    /// <summary>POSTs and yields each NDJSON object; an <c>error</c> line or non-2xx status throws <see cref="ApiError"/>.</summary>
    public async IAsyncEnumerable<JsonObject> StreamAsync(string path, object body, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var resp = await SendAsync(req, cancellation, HttpCompletionOption.ResponseHeadersRead);
        if (!resp.IsSuccessStatusCode) await ThrowFromResponse(resp, cancellation);
        using var stream = await resp.Content.ReadAsStreamAsync(cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (line.Length == 0) continue;
            var node = JsonNode.Parse(line) as JsonObject ?? throw new ApiError(500, "malformed response line: " + line);
            if (node["error"] is JsonNode err) throw new ApiError(500, err.GetValue<string>());
            yield return node;
        }
    }

    public async Task<HttpStatusCode> HeadAsync(string path, CancellationToken cancellation = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Head, path), cancellation);
        return resp.StatusCode;
    }

    public async Task UploadBlobAsync(string digest, Stream content, CancellationToken cancellation = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/blobs/" + digest) { Content = new StreamContent(content) };
        using var resp = await SendAsync(req, cancellation);
        if (!resp.IsSuccessStatusCode) await ThrowFromResponse(resp, cancellation);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken cancellation, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(req, option, cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException)
        {
            throw new CliException("could not connect to ollama server, run 'corral serve' to start it");
        }
    }

    private static StringContent Json(object body) =>
        new(body is JsonNode n ? n.ToJsonString() : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonNode?> ReadJsonOrThrow(HttpResponseMessage resp, CancellationToken cancellation)
    {
        if (!resp.IsSuccessStatusCode) await ThrowFromResponse(resp, cancellation);
        var text = await resp.Content.ReadAsStringAsync(cancellation);
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private static async Task ThrowFromResponse(HttpResponseMessage resp, CancellationToken cancellation)
    {
        string text = await resp.Content.ReadAsStringAsync(cancellation);
        string message = text;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["error"] is JsonNode e) message = e.GetValue<string>();
        }
        catch (JsonException) { }
        if (message.Length == 0) message = $"{(int)resp.StatusCode} {resp.ReasonPhrase}";
        throw new ApiError((int)resp.StatusCode, message);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An error the server answered (status + its message).</summary>
public sealed class ApiError(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
