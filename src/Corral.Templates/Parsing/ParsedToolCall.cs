using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Corral.Templates.Parsing;

/// <summary>A complete tool call found in model output; <see cref="Arguments"/> keeps the model's key order.</summary>
public sealed record ParsedToolCall(string Id, int Index, string Name, JsonObject Arguments);

/// <summary>Tool-call ids as Ollama makes them: <c>call_</c> + 8 random characters from <c>[a-z0-9]</c>.</summary>
public static class ToolCallIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string New()
    {
        Span<char> id = stackalloc char[13];
        "call_".CopyTo(id);
        for (int i = 5; i < id.Length; i++) id[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(id);
    }
}
