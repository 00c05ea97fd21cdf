namespace Corral.Store.Registry;

/// <summary>
/// One progress report of a pull or push, shaped like the API's progress object (api.md §4.10–4.11): a status text and,
/// while a blob moves, its digest with total and completed bytes (zero/absent otherwise).
/// </summary>
public readonly record struct RegistryProgress(string Status, string? Digest = null, long Total = 0, long Completed = 0)
{
    /// <summary><c>pulling &lt;12 hex&gt;</c> with the blob's byte counts.</summary>
    public static RegistryProgress Pulling(string digest, long total, long completed) => new("pulling " + ShortHex(digest), digest, total, completed);

    /// <summary><c>pushing &lt;12 hex&gt;</c> with the blob's byte counts.</summary>
    public static RegistryProgress Pushing(string digest, long total, long completed) => new("pushing " + ShortHex(digest), digest, total, completed);

    /// <summary>The digest's hex characters 7–19 (the first 12 after <c>sha256:</c>), as upstream slices it.</summary>
    public static string ShortHex(string digest) => digest.Length >= 19 ? digest[7..19] : digest;
}
