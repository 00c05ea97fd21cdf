namespace Corral.Store;

/// <summary>A store operation failed for a reason the user can act on; the message says what and where.</summary>
public class StoreException : Exception
{
    public StoreException(string message) : base(message) { }

    public StoreException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A digest that does not match <c>^sha256[:-][0-9a-fA-F]{64}$</c>. Message: <c>invalid digest format</c>.</summary>
public sealed class InvalidDigestException(string digest) : StoreException(MessageText)
{
    public const string MessageText = "invalid digest format";

    public string Digest { get; } = digest;
}

/// <summary>Uploaded bytes hashed to a different digest than promised. Message: <c>digest mismatch, expected "sha256:A", got "sha256:B"</c>.</summary>
public sealed class DigestMismatchException(string expected, string actual)
    : StoreException($"digest mismatch, expected {GoFormat.Quote(expected)}, got {GoFormat.Quote(actual)}")
{
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}

/// <summary>The disk (or quota) filled up while writing; nothing was left behind under a final name.</summary>
public sealed class DiskFullException(string message, Exception inner) : StoreException(message, inner);

/// <summary>No manifest for the model. Message follows the API's <c>model 'x:latest' not found</c>.</summary>
public sealed class ModelNotFoundException(ModelName name)
    : StoreException($"model '{name.DisplayShortest}' not found")
{
    public ModelName Name { get; } = name;
}

/// <summary>A manifest or config blob that is not valid JSON of the expected shape.</summary>
public sealed class ManifestFormatException(string message) : StoreException(message);
