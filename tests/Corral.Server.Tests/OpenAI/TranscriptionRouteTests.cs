using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;

namespace Corral.Server.Tests.OpenAI;

/// <summary><c>POST /v1/audio/transcriptions</c> (api.md §5.7): upstream's form checks, OpenAI's error shape, and a clear refusal.</summary>
public class TranscriptionRouteTests
{
    private static async Task<(int Status, JsonObject Body)> PostAsync(TestServer server, byte[]? audio, string? model)
    {
        using var form = new MultipartFormDataContent();
        if (audio != null)
        {
            var file = new ByteArrayContent(audio);
            file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(file, "file", "speech.wav");
        }
        if (model != null) form.Add(new StringContent(model), "model");
        using var resp = await server.Http.PostAsync("/v1/audio/transcriptions", form);
        return ((int)resp.StatusCode, (JsonObject)JsonNode.Parse(await resp.Content.ReadAsStringAsync())!);
    }

    private static string Message(JsonObject body) => (string)body["error"]!["message"]!;

    [Fact]
    public async Task TheFormIsCheckedAsUpstreamChecksIt()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var wav = new byte[1024];

        var (status, body) = await PostAsync(server, null, "stories");
        Assert.Equal(400, status);
        Assert.StartsWith("file is required: ", Message(body));
        Assert.Equal("invalid_request_error", (string?)body["error"]!["type"]);

        (status, body) = await PostAsync(server, [], "stories");
        Assert.Equal((400, "audio file is empty"), (status, Message(body)));

        (status, body) = await PostAsync(server, wav, null);
        Assert.Equal((400, "model is required"), (status, Message(body)));

        (status, body) = await PostAsync(server, wav, "nope");
        Assert.Equal((404, "model 'nope:latest' not found"), (status, Message(body))); // as /api/show names it

        (status, body) = await PostAsync(server, wav, "stories");
        Assert.Equal(400, status);
        Assert.Equal("model 'stories' does not support audio input: Corral runs no audio-capable architecture yet", Message(body));
    }

    [Fact]
    public async Task ABrokenMultipartBodyIsA400()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/transcriptions")
        {
            Content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nstories", System.Text.Encoding.UTF8),
        };
        req.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        using var resp = await server.Http.SendAsync(req);
        Assert.Equal(400, (int)resp.StatusCode);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.StartsWith("invalid multipart form", (string)body["error"]!["message"]!);
    }

    [Fact]
    public async Task ABodyThatIsNotAFormIsRefused()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, text, _) = await server.SendAsync(HttpMethod.Post, "/v1/audio/transcriptions", """{"model":"stories"}""");
        Assert.Equal(400, status);
        Assert.StartsWith("file is required: ", (string)JsonNode.Parse(text)!["error"]!["message"]!);
    }
}
