using System.Diagnostics;
using System.Text;
using Corral.Cli.Terminal;
using Corral.Testing;

namespace Corral.Cli.Tests.Infrastructure;

/// <summary>What a finished <c>corral</c> process printed.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard error without cursor and colour escapes.</summary>
    public string PlainStderr => Ansi.Strip(Stderr);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{PlainStderr}";
}

/// <summary>Runs the built CLI (<c>dotnet corral.dll …</c>) as users do, with its own home directory and <c>OLLAMA_HOST</c>.</summary>
public static class CliProcess
{
    /// <summary>The CLI assembly beside the test assembly.</summary>
    public static string CorralDll => Path.Combine(AppContext.BaseDirectory, "corral.dll");

    public static async Task<CliResult> RunAsync(string? host, string home, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? home,
        };
        psi.ArgumentList.Add(CorralDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OLLAMA_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        psi.Environment["HOME"] = home;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (host is not null) psi.Environment["OLLAMA_HOST"] = host;
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"corral {string.Join(' ', args)} did not finish; stderr so far: {Ansi.Strip(await stderr)}");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A client home directory (for <c>~/.ollama/history</c>) deleted after the test.</summary>
public sealed class ClientHome : IDisposable
{
    private readonly TempDir _dir = new("corral-cli-home-");

    public string Path => _dir.Path;

    public string HistoryFile => System.IO.Path.Combine(Path, ".ollama", "history");

    public void Dispose() => _dir.Dispose();
}
