using System.Net;
using System.Net.Sockets;
using Corral.Cli.Tests.Infrastructure;
using Corral.Config;

namespace Corral.Cli.Tests;

/// <summary>Help texts, argument errors and the no-server messages (cobra's layouts and wording).</summary>
public class CommandLineTests
{
    [Fact]
    public async Task Root_help_lists_every_command()
    {
        var r = await InProcessCli.RunAsync("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("Large language model runner\n\nUsage:\n  corral [flags]\n  corral [command]\n\nAvailable Commands:\n  serve       Start Corral\n  create      Create a model\n", r.Stdout);
        foreach (var verb in new[] { "show", "run", "stop", "pull", "push", "list", "ps", "cp", "rm", "help" })
            Assert.Matches($"\n  {verb} +\\S", r.Stdout);
        Assert.EndsWith("\nFlags:\n  -h, --help         help for corral\n      --nowordwrap   Don't wrap words to the next line automatically\n      --verbose      Show timings for response\n  -v, --version      Show version information\n\nUse \"corral [command] --help\" for more information about a command.\n", r.Stdout);
        Assert.Equal(r.Stdout, (await InProcessCli.RunAsync()).Stdout);
        Assert.Equal(r.Stdout, (await InProcessCli.RunAsync("help")).Stdout);
    }

    [Fact]
    public async Task Run_help_has_flags_and_its_environment_variables()
    {
        var r = await InProcessCli.RunAsync("run", "--help");
        var env = EnvConfig.FromDictionary(new Dictionary<string, string>());
        Assert.Equal(
            "Run a model\n\nUsage:\n  corral run MODEL [PROMPT] [flags]\n\nFlags:\n" +
            "      --dimensions int          Truncate output embeddings to specified dimension (embedding models only)\n" +
            "      --format string           Response format (e.g. json)\n" +
            "  -h, --help                    help for run\n" +
            "      --hidethinking            Hide thinking output (if provided)\n" +
            "      --insecure                Use an insecure registry\n" +
            "      --keepalive string        Duration to keep a model loaded (e.g. 5m)\n" +
            "      --nowordwrap              Don't wrap words to the next line automatically\n" +
            "      --think string[=\"true\"]   Enable thinking mode: true/false or high/medium/low for supported models\n" +
            "      --truncate                For embedding models: truncate inputs exceeding context length (default: true). Set --truncate=false to error instead\n" +
            "      --verbose                 Show timings for response\n" +
            env.FormatHelpBlock(EnvConfig.RunHelpVariables), r.Stdout);
        Assert.Contains("\nEnvironment Variables:\n      OLLAMA_EDITOR                 ", r.Stdout);
        Assert.Equal(r.Stdout, (await InProcessCli.RunAsync("help", "run")).Stdout);
    }

    [Fact]
    public async Task Serve_and_list_help_show_aliases_and_environment()
    {
        var serve = await InProcessCli.RunAsync("serve", "-h");
        Assert.StartsWith("Start Corral\n\nUsage:\n  corral serve [flags]\n\nAliases:\n  serve, start\n\nFlags:\n  -h, --help   help for serve\n\nEnvironment Variables:\n", serve.Stdout);
        var names = serve.Stdout.Split('\n').SkipWhile(l => l != "Environment Variables:").Skip(1)
            .Where(l => l.Length > 0).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Equal(EnvConfig.ServeHelpVariables, names);

        var list = await InProcessCli.RunAsync("ls", "--help");
        Assert.StartsWith("List models\n\nUsage:\n  corral list [flags]\n\nAliases:\n  list, ls\n\nFlags:\n  -h, --help   help for list\n\nEnvironment Variables:\n      OLLAMA_HOST   ", list.Stdout.Replace(new string(' ', 16), ""));
    }

    [Theory]
    [InlineData("unknown command \"frobnicate\" for \"corral\"", "frobnicate")]
    [InlineData("requires at least 1 arg(s), only received 0", "run")]
    [InlineData("accepts 1 arg(s), received 2", "show", "a", "b")]
    [InlineData("accepts 2 arg(s), received 1", "cp", "a")]
    [InlineData("accepts 0 arg(s), received 1", "serve", "x")]
    [InlineData("unknown flag: --bogus", "list", "--bogus")]
    [InlineData("unknown shorthand flag: 'z' in -z", "create", "m", "-z")]
    public async Task Argument_errors(string message, params string[] args)
    {
        var r = await InProcessCli.RunAsync(args);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Error: {message}\n", r.Stderr);
    }

    [Fact]
    public async Task Client_commands_say_when_no_server_runs()
    {
        var r = await InProcessCli.RunAsync("list");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Error: could not connect to ollama server, run 'corral serve' to start it\n", r.Stderr);
    }

    private static int ClosedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task Process_without_a_server_exits_1_with_the_message_and_version_warns()
    {
        using var home = new ClientHome();
        string host = $"127.0.0.1:{ClosedPort()}";
        var list = await CliProcess.RunAsync(host, home.Path, ["list"]);
        Assert.Equal(1, list.ExitCode);
        Assert.Equal("Error: could not connect to ollama server, run 'corral serve' to start it\n", list.Stderr);
        Assert.Equal("", list.Stdout);

        var version = await CliProcess.RunAsync(host, home.Path, ["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Equal("Warning: could not connect to a running Corral instance\nWarning: client version is 0.33.0\n", version.Stdout);
    }
}
