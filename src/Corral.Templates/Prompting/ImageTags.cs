namespace Corral.Templates.Prompting;

/// <summary>
/// Ollama's image markers for template-rendered models: each image of a message becomes media item <c>n</c>
/// (counted from <paramref name="start"/> on) and its tag <c>[img-n]</c> replaces the first literal <c>[img]</c> in the
/// content, or is prefixed to it (no separator).
/// </summary>
public static class ImageTags
{
    public static IReadOnlyList<ChatMessage> Apply(IReadOnlyList<ChatMessage> messages, out int mediaCount, int start = 0)
    {
        var result = new List<ChatMessage>(messages);
        int next = 0;
        for (int i = start; i < result.Count; i++)
        {
            var message = result[i];
            if (message.Images is not { Count: > 0 } images) continue;
            string prefix = "", content = message.Content;
            foreach (var _ in images)
            {
                string tag = $"[img-{next++}]";
                int at = content.IndexOf("[img]", StringComparison.Ordinal);
                if (at < 0) prefix += tag;
                else content = content[..at] + tag + content[(at + "[img]".Length)..];
            }
            result[i] = message with { Content = prefix + content };
        }
        mediaCount = next;
        return result;
    }
}
