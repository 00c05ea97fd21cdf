using System.Net;
using Corral.Server.Http;
using Corral.Server.Routes;
using Corral.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corral.Server;

/// <summary>Everything the server needs to start, resolved from OLLAMA_* variables by the CLI.</summary>
public sealed record ServerSettings
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 11434;
    public IReadOnlyList<string> Origins { get; init; } = [];
    /// <summary>CORRAL_* operations features (API keys, TLS, rate limit, audit log, metrics); all off by default.</summary>
    public OpsSettings Ops { get; init; } = OpsSettings.Off;
}

/// <summary>Builds the ASP.NET Core application: middleware in upstream's order, then every route.</summary>
public static class ServerHost
{
    public static WebApplication Build(ServerSettings settings, CorralServer server, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(server);
        builder.Logging.ClearProviders();
        if (logging != null) logging(builder.Logging);
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        OpsHost.ConfigureBuilder(builder, settings.Ops);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null; // blob uploads are unlimited (api.md §1.10)
            k.AddServerHeader = false;
            var address = ResolveBindAddress(settings.Host);
            k.Listen(address, settings.Port, listen => OpsHost.ConfigureListener(listen, settings.Ops));
        });
        var app = builder.Build();
        OpsHost.LogEnabled(app, settings.Ops);

        bool loopback = IPAddress.TryParse(settings.Host.Trim('[', ']'), out var ip) ? IPAddress.IsLoopback(ip) : settings.Host is "localhost";
        OpsHost.UseObservation(app, settings.Ops);
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<CorsAndHostMiddleware>(new CorsPolicy(settings.Origins), loopback);
        OpsHost.UseAccessControl(app, settings.Ops);
        app.UseMiddleware<ZstdRequestBodies>();
        app.UseStatusCodePages(async ctx =>
        {
            var r = ctx.HttpContext.Response;
            if (r.StatusCode == 404) { r.ContentType = "text/plain"; await r.WriteAsync("404 page not found"); }
            else if (r.StatusCode == 405) { r.ContentType = "text/plain"; await r.WriteAsync("405 method not allowed"); }
        });
        RootRoutes.Map(app);
        BlobRoutes.Map(app, server);
        TagsRoutes.Map(app, server);
        GenerateRoutes.Map(app, server);
        CreateRoutes.Map(app, server);
        PullPushRoutes.Map(app, server);
        RegistryRoutes.Map(app, server);
        ShowRoutes.Map(app, server);
        ManageRoutes.Map(app, server);
        EmbedRoutes.Map(app, server);
        OpenAI.OpenAIRoutes.Map(app, server);
        Anthropic.AnthropicRoutes.Map(app, server);
        OpsHost.MapRoutes(app, server, settings.Ops);
        return app;
    }

    private static IPAddress ResolveBindAddress(string host)
    {
        string h = host.Trim('[', ']');
        if (h.Length == 0) return IPAddress.IPv6Any;
        if (IPAddress.TryParse(h, out var ip)) return ip;
        if (h == "localhost") return IPAddress.Loopback;
        var addrs = Dns.GetHostAddresses(h);
        return addrs.Length > 0 ? addrs[0] : throw new InvalidOperationException($"cannot resolve listen address '{host}'");
    }
}
