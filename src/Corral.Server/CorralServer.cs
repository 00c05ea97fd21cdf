using Corral.Config;
using Corral.Store;
using Corral.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corral.Server;

/// <summary>
/// The running server: configuration read once at start (from OLLAMA_* variables), the model store,
/// the scheduler and the ASP.NET Core application serving every route.
/// </summary>
public sealed class CorralServer : IAsyncDisposable
{
    public EnvConfig Config { get; }
    public ModelScheduler Scheduler { get; }
    public ModelStore Store { get; }
    public WebApplication App { get; }
    public ILoggerFactory LoggerFactory { get; }
    public string ModelsDirectory { get; }

    private CorralServer(EnvConfig config, Action<ILoggingBuilder>? logging)
    {
        Config = config;
        ModelsDirectory = config.Models;
        var host = config.Host;
        var invalidOrigins = new List<string>();
        var settings = new ServerSettings
        {
            Host = host.Host,
            Port = host.PortNumber,
            // Upstream refuses to start over a bad OLLAMA_ORIGINS entry; Corral skips it and says so.
            Origins = Origins.Valid(config.AllowedOrigins, invalidOrigins.Add),
            Ops = Security.OpsSettings.FromConfig(config),
        };
        App = ServerHost.Build(settings, this, logging);
        LoggerFactory = App.Services.GetRequiredService<ILoggerFactory>();
        foreach (var problem in invalidOrigins) App.Logger.LogWarning("OLLAMA_ORIGINS: {Problem}; entry ignored", problem);
        var storeLog = LoggerFactory.CreateLogger("Corral.Store");
        Store = new ModelStore(ModelsDirectory, new ModelStoreOptions
        {
            NoPrune = config.NoPrune,
            Log = m => storeLog.LogInformation("{Message}", m),
            TemplateCapabilities = Api.ModelCapabilities.FromGoTemplate,
        });
        Scheduler = new ModelScheduler(new SchedulerSettings
        {
            MaxLoadedModels = config.MaxLoadedModels,
            MaxQueue = config.MaxQueue,
            DefaultKeepAlive = ToKeepAlive(config.KeepAliveDuration),
        }, LoggerFactory.CreateLogger("Corral.Scheduler"));
    }

    /// <summary>A negative duration keeps models loaded forever.</summary>
    public static TimeSpan ToKeepAlive(GoDuration d) =>
        d.Nanoseconds < 0 || d.IsInfinite ? TimeSpan.MaxValue : d.ToTimeSpan();

    public static CorralServer Create(EnvConfig config, Action<ILoggingBuilder>? logging = null) => new(config, logging);

    /// <summary>Serves until SIGINT/SIGTERM.</summary>
    public async Task RunAsync()
    {
        await StartAsync();
        await App.WaitForShutdownAsync();
        await DisposeAsync();
    }

    /// <summary>Starts listening; returns the base URL actually bound (useful with port 0 in tests).</summary>
    public async Task<Uri> StartAsync()
    {
        Registry.ServerRegistry.EnsureKeyPair(this);
        Directory.CreateDirectory(ModelsDirectory);
        Store.RunStartupMaintenance();
        await App.StartAsync();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var url = new Uri(addresses.First().Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
        App.Logger.LogInformation("Listening on {Address} (version {Version})", url, CorralVersion.Ollama);
        return url;
    }

    public async ValueTask DisposeAsync()
    {
        Scheduler.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
