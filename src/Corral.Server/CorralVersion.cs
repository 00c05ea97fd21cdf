namespace Corral.Server;

/// <summary>The version Corral reports. Clients compare it against Ollama's, so it is a realistic Ollama semver.</summary>
public static class CorralVersion
{
    /// <summary>The Ollama API version Corral implements (what <c>/api/version</c> answers).</summary>
    public const string Ollama = "0.33.0";

    /// <summary>Corral's own version.</summary>
    public const string Corral = "0.1.0";
}
