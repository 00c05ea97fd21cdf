namespace Corral.Server.Http;

/// <summary>
/// An error with the HTTP status and message upstream Ollama would answer. Route code throws these;
/// the error middleware turns them into <c>{"error": "..."}</c> (or the OpenAI/Anthropic shape).
/// </summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static ApiException BadRequest(string message) => new(400, message);
    public static ApiException NotFound(string message) => new(404, message);
    public static ApiException Internal(string message) => new(500, message);
}
