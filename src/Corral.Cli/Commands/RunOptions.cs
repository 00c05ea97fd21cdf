using System.Text.Json.Nodes;
using Corral.Config;

namespace Corral.Cli.Commands;

/// <summary>One chat message of a REPL session.</summary>
public sealed record ChatMessage(string Role, string Content, string? Thinking = null, IReadOnlyList<byte[]>? Images = null)
{
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["role"] = Role, ["content"] = Content };
        if (!string.IsNullOrEmpty(Thinking)) o["thinking"] = Thinking;
        if (Images is { Count: > 0 }) o["images"] = new JsonArray(Images.Select(i => (JsonNode)Convert.ToBase64String(i)).ToArray());
        return o;
    }

    public static ChatMessage FromJson(JsonNode? node) =>
        new(ListCommand.Str(node, "role"), ListCommand.Str(node, "content"), ListCommand.Str(node, "thinking") is { Length: > 0 } t ? t : null);
}

/// <summary>The state of a <c>run</c>: flags, the model, the session's messages and parameters (upstream's <c>runOptions</c>).</summary>
public sealed class RunOptions
{
    public string Model { get; set; } = "";
    public string ParentModel { get; set; } = "";
    /// <summary>The model's stored MESSAGE history (shown at start, saved again by <c>/save</c>).</summary>
    public List<ChatMessage> LoadedMessages { get; set; } = [];
    public string Prompt { get; set; } = "";
    public List<ChatMessage> Messages { get; set; } = [];
    public bool WordWrap { get; set; }
    /// <summary><c>json</c>, a JSON schema text, or empty.</summary>
    public string Format { get; set; } = "";
    public string System { get; set; } = "";
    public List<byte[]> Images { get; set; } = [];
    /// <summary>Session parameters in the order they were set.</summary>
    public List<KeyValuePair<string, JsonNode>> Options { get; set; } = [];
    public bool MultiModal { get; set; }
    public GoDuration? KeepAlive { get; set; }
    /// <summary><c>true</c>, <c>false</c>, a level string, or null (unset).</summary>
    public JsonNode? Think { get; set; }
    public bool HideThinking { get; set; }
    public bool Verbose { get; set; }

    public RunOptions Copy() => new()
    {
        Model = Model,
        ParentModel = ParentModel,
        LoadedMessages = [.. LoadedMessages],
        Prompt = Prompt,
        Messages = [.. Messages],
        WordWrap = WordWrap,
        Format = Format,
        System = System,
        Images = [.. Images],
        Options = [.. Options],
        MultiModal = MultiModal,
        KeepAlive = KeepAlive,
        Think = Think?.DeepClone(),
        HideThinking = HideThinking,
        Verbose = Verbose,
    };

    public void SetOption(string name, JsonNode value)
    {
        int i = Options.FindIndex(kv => kv.Key == name);
        if (i >= 0) Options[i] = new(name, value);
        else Options.Add(new(name, value));
    }

    public JsonObject OptionsJson()
    {
        var o = new JsonObject();
        foreach (var (k, v) in Options) o[k] = v.DeepClone();
        return o;
    }

    /// <summary>How the Go client serialises a keep-alive: <c>-1</c> when negative, else the Go duration string.</summary>
    public static JsonNode KeepAliveJson(GoDuration d) => d.Nanoseconds < 0 ? JsonValue.Create(-1) : JsonValue.Create(d.ToString());

    /// <summary>The request's <c>format</c>: <c>"json"</c>, or the text itself when it is a JSON value (a schema).</summary>
    public JsonNode? FormatJson()
    {
        if (Format.Length == 0) return null;
        if (Format == "json") return JsonValue.Create("json");
        try
        {
            return JsonNode.Parse(Format);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"invalid format {Corral.Store.GoFormat.Quote(Format)}: expected \"json\" or a JSON schema ({e.Message})");
        }
    }

    /// <summary>The parent model (when it is a valid name) or the model itself: what <c>/save</c> derives from.</summary>
    public JsonObject SaveRequest(string name)
    {
        string parent = Corral.Store.ModelName.Parse(ParentModel).IsValid && ParentModel.Length > 0 ? ParentModel : "";
        var req = new JsonObject { ["model"] = name, ["from"] = parent.Length > 0 ? parent : Model };
        if (System.Length > 0) req["system"] = System;
        if (Options.Count > 0) req["parameters"] = OptionsJson();
        var messages = LoadedMessages.Concat(Messages).ToList();
        if (messages.Count > 0) req["messages"] = new JsonArray(messages.Select(m => (JsonNode)m.ToJson()).ToArray());
        return req;
    }
}
