using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Corral.Cli.Tests.Infrastructure;

namespace Corral.Cli.Tests;

/// <summary>
/// The interactive REPL driven in a real terminal (tmux): the line editor, multi-line input, slash commands, history.
/// </summary>
[Collection(CliServerCollection.Name)]
public sealed partial class ReplTests(CliServer server) : IDisposable
{
    private const string Ready = "Send a message (/? for help)";
    private readonly ClientHome _home = new();

    public void Dispose() => _home.Dispose();

    private TmuxTerminal StartRepl(string model = CliServer.Model, IReadOnlyDictionary<string, string>? env = null)
    {
        var t = TmuxTerminal.StartCorral(server.Host, _home.Path, "run " + model, env: env);
        t.WaitFor(Ready);
        return t;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private static string Squash(string s) => Whitespace().Replace(s, " ").Trim();

    /// <summary>What the server answers for this conversation (greedy, so the REPL must show the same).</summary>
    private async Task<string> ChatAsync(string model, params (string Role, string Content)[] messages)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["stream"] = false,
            ["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["options"] = new JsonObject(),
        };
        using var resp = await server.Http.PostAsync("/api/chat", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["message"]!["content"]!.GetValue<string>();
    }

    [TerminalFact("/api/show")]
    public async Task Multi_line_message_gets_the_servers_answer_and_bye_exits()
    {
        using var t = StartRepl();
        t.Line("\"\"\"Once upon");
        t.WaitFor("... ");
        t.Line("a time\"\"\"");
        t.WaitForInput();
        string screen = t.Screen();
        string answer = await ChatAsync(CliServer.Model, ("user", "Once upon\na time"));
        Assert.Contains(">>> \"\"\"Once upon\n... a time\"\"\"\n", screen);
        Assert.Contains(Squash(answer), Squash(screen));
        t.Line("/bye");
        Assert.Equal(0, t.WaitForExit());
    }

    [TerminalFact("/api/show")]
    public void Set_parameter_and_show_parameters()
    {
        using var t = StartRepl();
        t.Line("/set parameter num_predict 3");
        t.WaitFor("Set parameter 'num_predict' to '3'");
        t.Line("/set parameter stop end The");
        t.WaitFor("Set parameter 'stop' to 'end, The'");
        t.Line("/set parameter top_k lots");
        t.WaitFor("Couldn't set parameter: \"invalid int value [lots]\"");
        t.Line("/set parameter");
        t.WaitFor("Available Parameters:");
        t.Line("/show parameters");
        string screen = t.WaitFor("User defined parameters:");
        Assert.Contains("Model defined parameters:\n  num_predict                    12\n  temperature                    0\n", screen);
        t.WaitFor("  stop                           [end The]");
        Assert.Contains("User defined parameters:\n  num_predict                    3\n", t.Screen());
        t.Line("/exit");
        Assert.Equal(0, t.WaitForExit());
    }

    [TerminalFact("/api/show")]
    public void Show_info_and_other_show_commands()
    {
        using var t = StartRepl();
        t.Line("/show info");
        string screen = t.WaitFor("  Parameters");
        Assert.Matches(@"  Model\n    architecture {4,}llama", screen);
        t.Line("/show system");
        t.WaitFor("You tell short stories.");
        t.Line("/show license");
        t.WaitFor("No license was specified for this model.");
        t.Line("/show bogus");
        t.WaitFor("Unknown command '/show bogus'. Type /? for help");
        t.Line("/frobnicate");
        t.WaitFor("Unknown command '/frobnicate'. Type /? for help");
        t.Line("/?");
        t.WaitFor("Use \"\"\" to begin a multi-line message.");
        t.WaitForInput();
        t.Keys("C-d");
        Assert.Equal(0, t.WaitForExit());
    }

    [TerminalFact("/api/show", "/api/chat")]
    public async Task Save_and_load_a_session()
    {
        using var t = StartRepl();
        t.Line("/set system Tell tales.");
        t.WaitFor("Set system message.");
        t.Line("/set parameter num_predict 4");
        t.WaitFor("Set parameter");
        t.Line("Lily");
        t.WaitForInput();
        t.Line("/save saved-session");
        t.WaitFor("Created new model 'saved-session'");
        t.Line("/save Bad:Name:x");
        t.WaitFor("error: The model name 'Bad:Name:x' is invalid");

        var show = JsonNode.Parse(await (await server.Http.PostAsync("/api/show",
            new StringContent("""{"model":"saved-session"}""", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync())!;
        Assert.Equal("Tell tales.", show["system"]!.GetValue<string>());
        Assert.Contains("num_predict", show["parameters"]!.GetValue<string>());
        var messages = show["messages"]!.AsArray();
        Assert.Contains(messages, m => m!["role"]!.GetValue<string>() == "user" && m["content"]!.GetValue<string>() == "Lily");
        Assert.Contains(messages, m => m!["role"]!.GetValue<string>() == "assistant");

        t.Line("/load no-such-model");
        t.WaitFor("Couldn't find model 'no-such-model'");
        t.Line("/load saved-session");
        t.WaitFor("Loading model 'saved-session'");
        t.Line("/show system");
        t.WaitFor("Tell tales.", 2);
        Assert.Contains(">>> /load saved-session\nLoading model 'saved-session'\n", t.Screen());
        t.Line("/bye");
        Assert.Equal(0, t.WaitForExit());
    }

    [TerminalFact("/api/show")]
    public void Line_editing_history_and_interrupts()
    {
        using var t = StartRepl();
        t.WaitForInput();
        t.Type("hello world");
        t.Keys("C-a");
        t.Type("X");
        t.Keys("C-e");
        t.Type("Y");
        t.Keys("Left", "Left", "BSpace");
        t.WaitFor(">>> Xhello wordY");
        t.Keys("C-w");
        t.WaitFor(">>> Xhello dY");
        t.Keys("C-e", "C-u");
        t.Line("/set verbose");
        t.WaitFor("Set 'verbose' mode.");
        t.WaitForInput();
        t.Type("partial");
        t.Keys("C-c");
        t.WaitFor("Use Ctrl + d or /bye to exit.");
        t.Keys("Up");
        t.WaitFor(">>> /set verbose", 2);
        t.Keys("C-u");
        t.Line("/set quiet");
        t.WaitFor("Set 'quiet' mode.");
        t.WaitForInput();
        t.Keys("C-d");
        Assert.Equal(0, t.WaitForExit());
        Assert.Equal(["/set verbose", "/set quiet"], File.ReadAllLines(_home.HistoryFile));
    }

    [TerminalFact("/api/show")]
    public void Nohistory_keeps_the_history_file_empty()
    {
        using var t = StartRepl(env: new Dictionary<string, string> { ["OLLAMA_NOHISTORY"] = "1" });
        t.Line("/set wordwrap");
        t.WaitFor("Set 'wordwrap' mode.");
        t.Line("/bye");
        Assert.Equal(0, t.WaitForExit());
        Assert.False(File.Exists(_home.HistoryFile) && File.ReadAllText(_home.HistoryFile).Length > 0);
    }
}
