using System.Runtime.CompilerServices;
using Corral.Store.Registry;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Registry;

/// <summary>
/// The one <see cref="RegistryClient"/> of a running server, created on first use (the store exists only once the server
/// is constructed) so that concurrent pulls of a blob share its download. It signs with the server user's
/// <c>~/.ollama/id_ed25519</c> and sends upstream's user agent with Corral's version.
/// </summary>
public static class ServerRegistry
{
    private static readonly ConditionalWeakTable<CorralServer, Holder> s_clients = new();

    private sealed class Holder
    {
        public Func<RegistryClientOptions, RegistryClientOptions>? Configure;
        public RegistryClient? Client;
    }

    /// <summary>The server's registry client.</summary>
    public static RegistryClient For(CorralServer server)
    {
        var holder = s_clients.GetValue(server, _ => new Holder());
        lock (holder)
        {
            if (holder.Client is null)
            {
                var log = server.LoggerFactory.CreateLogger("Corral.Registry");
                var options = new RegistryClientOptions
                {
                    UserAgent = RegistryClientOptions.UserAgentFor(CorralVersion.Ollama, CorralVersion.Corral),
                    KeyProvider = () => RegistryKeyFiles.Load(server.Config.HomeDirectory),
                    Log = m => log.LogInformation("{Message}", m),
                };
                if (holder.Configure is { } configure) options = configure(options);
                holder.Client = new RegistryClient(server.Store, options);
            }
            return holder.Client;
        }
    }

    /// <summary>
    /// Server start, step 1 (runtime.md §9): creates <c>~/.ollama/id_ed25519</c> and <c>.pub</c> when missing, printing
    /// upstream's messages to standard output. A key that cannot be written is logged, not fatal: only registry auth needs it.
    /// </summary>
    public static void EnsureKeyPair(CorralServer server)
    {
        try
        {
            RegistryKeyFiles.EnsureKeyPair(server.Config.HomeDirectory, Console.Out);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            server.LoggerFactory.CreateLogger("Corral.Registry").LogWarning("could not create the registry key {Path}: {Error}",
                RegistryKeyFiles.PrivateKeyPath(server.Config.HomeDirectory), e.Message);
        }
    }

    /// <summary>Test seam: adjusts the options (part sizes, retry delays) before the client is first created.</summary>
    internal static void Configure(CorralServer server, Func<RegistryClientOptions, RegistryClientOptions> configure)
    {
        var holder = s_clients.GetValue(server, _ => new Holder());
        lock (holder)
        {
            if (holder.Client is not null) throw new InvalidOperationException("the registry client is already in use");
            holder.Configure = configure;
        }
    }

    /// <summary>Disposes the server's client (at shutdown).</summary>
    internal static void Release(CorralServer server)
    {
        if (!s_clients.TryGetValue(server, out var holder)) return;
        lock (holder)
        {
            holder.Client?.Dispose();
            holder.Client = null;
        }
        s_clients.Remove(server);
    }
}
