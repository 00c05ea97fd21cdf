namespace Corral.Store.Registry;

/// <summary>A registry operation failed; the message is what upstream would report (e.g. <c>401: {"errors":…}</c>).</summary>
public class RegistryException : StoreException
{
    public RegistryException(string message) : base(message) { }

    public RegistryException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The registry answered a status ≥ 400 (other than 401/404). Message <c>&lt;code&gt;: &lt;body&gt;</c> as upstream writes it.</summary>
public sealed class RegistryHttpException(int statusCode, string message) : RegistryException(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>5xx, 408 and 429: worth another try after a pause.</summary>
    public bool IsTransient => StatusCode is >= 500 or 408 or 429;
}

/// <summary>The registry answered 404. Message <c>file does not exist</c> (Go's <c>os.ErrNotExist</c>, which upstream surfaces).</summary>
public sealed class RegistryNotFoundException() : RegistryException(MessageText)
{
    public const string MessageText = "file does not exist";
}

/// <summary>Two 401s in a row (the token did not help). Message <c>unauthorized: access denied</c>.</summary>
public sealed class RegistryUnauthorizedException() : RegistryException(MessageText)
{
    public const string MessageText = "unauthorized: access denied";
}

/// <summary>A downloaded blob hashed to a different digest; it was discarded. Upstream's text:
/// <c>digest mismatch, file must be downloaded again: want sha256:X, got sha256:Y</c>.</summary>
public sealed class BlobDigestMismatchException(string want, string got)
    : RegistryException($"digest mismatch, file must be downloaded again: want {want}, got {got}")
{
    public string Want { get; } = want;
    public string Got { get; } = got;
}

/// <summary>The signing key could not be read or parsed; the message names the file.</summary>
public sealed class RegistryKeyException : RegistryException
{
    public RegistryKeyException(string message) : base(message) { }

    public RegistryKeyException(string message, Exception inner) : base(message, inner) { }
}
