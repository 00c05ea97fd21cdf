namespace Corral.Store.Registry;

/// <summary>
/// The registry URLs of a model name (runtime.md §4.1): <c>&lt;scheme&gt;://&lt;host&gt;/v2/&lt;namespace&gt;/&lt;model&gt;/…</c>.
/// The scheme is the name's (<c>https</c> unless it said <c>http://</c>), forced to <c>http</c> when the request is insecure.
/// Names on <c>hf.co</c> (or <c>huggingface.co</c>) are nothing special: <c>hf.co/{user}/{repo}:{quant}</c> is host
/// <c>hf.co</c>, namespace <c>{user}</c>, model <c>{repo}</c>, tag <c>{quant}</c>, and Hugging Face answers the same routes
/// (it resolves the tag, <c>latest</c> included, to a GGUF file and redirects blobs to its CDN).
/// </summary>
public static class RegistryUrls
{
    public static Uri BaseUrl(ModelName name, bool insecure)
    {
        string scheme = insecure ? "http" : (name.Scheme.Length > 0 ? name.Scheme : ModelName.DefaultScheme);
        return new Uri($"{scheme}://{name.Host}/");
    }

    public static Uri Manifest(ModelName name, bool insecure) => Under(name, insecure, "manifests/" + Uri.EscapeDataString(name.Tag));

    public static Uri Blob(ModelName name, string digest, bool insecure) => Under(name, insecure, "blobs/" + digest);

    /// <summary><c>…/blobs/uploads/</c> (the trailing slash is part of the protocol).</summary>
    public static Uri Uploads(ModelName name, bool insecure) => Under(name, insecure, "blobs/uploads/");

    private static Uri Under(ModelName name, bool insecure, string rest) =>
        new(BaseUrl(name, insecure), $"v2/{Uri.EscapeDataString(name.Namespace)}/{Uri.EscapeDataString(name.Model)}/{rest}");
}
