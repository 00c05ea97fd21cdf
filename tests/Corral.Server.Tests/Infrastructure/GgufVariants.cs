using Corral.Engine.Gguf;

namespace Corral.Testing;

/// <summary>Copies of a GGUF file with changed metadata (e.g. a chat template), written with the project's GgufWriter.</summary>
internal static class GgufVariants
{
    /// <summary>Writes <paramref name="source"/> to <paramref name="destination"/> with metadata keys set or replaced.</summary>
    public static void WithMetadata(string source, string destination, IReadOnlyDictionary<string, GgufValue> changes)
    {
        using var src = GgufFile.Open(source);
        var metadata = src.MetadataList.Where(kv => !changes.ContainsKey(kv.Key)).ToList();
        metadata.AddRange(changes);
        var tensors = src.Tensors.Select(t => new GgufTensorSpec(t.Name, t.Shape, t.Type)).ToList();
        using var output = File.Create(destination);
        using var writer = GgufWriter.Create(output, metadata, tensors, leaveOpen: true);
        foreach (var t in src.Tensors) writer.WriteTensorData(src.TensorData(t));
        writer.Complete();
    }

    /// <summary>stories260K with <c>tokenizer.chat_template</c> set, cached under the test cache folder by content hash.</summary>
    public static string StoriesWithChatTemplate(string template)
    {
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(template)))[..16];
        string dir = Path.Combine(RepoPaths.Cache, "chat-templates");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"stories-{hash}.gguf");
        if (File.Exists(path)) return path;
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        WithMetadata(RepoPaths.SharedFile("models", "stories260K.gguf"), temp,
            new Dictionary<string, GgufValue> { ["tokenizer.chat_template"] = GgufValue.Of(template) });
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
