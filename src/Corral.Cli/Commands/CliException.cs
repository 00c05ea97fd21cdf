namespace Corral.Cli.Commands;

/// <summary>A user-facing failure: printed as <c>Error: message</c> with exit code 1, as Ollama's CLI does.</summary>
public sealed class CliException(string message) : Exception(message);
