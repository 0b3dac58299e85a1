using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Hosting;
using PasteRedis.Server.Memory;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server;

/// <summary>Builds the Generic Host that runs a PasteRedis server; Program and the tests both use it.</summary>
public static class PasteRedisHost
{
    /// <summary>
    /// Builds a host from redis-server style arguments: an optional config file first,
    /// then --name value options. Throws with a message naming the problem when the
    /// configuration is invalid.
    /// </summary>
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "dd MMM yyyy HH:mm:ss.fff ";
        });
        var config = ConfigLoader.Load(args, builder.Configuration.GetSection("PasteRedis"));
        builder.Logging.SetMinimumLevel(config.Get("loglevel") switch
        {
            "debug" => LogLevel.Debug,
            "verbose" => LogLevel.Debug,
            "warning" => LogLevel.Warning,
            "nothing" => LogLevel.None,
            _ => LogLevel.Information,
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(sp => PasteMemory.Open(config, sp.GetRequiredService<ILoggerFactory>().CreateLogger("PasteRedis.Paste")));
        builder.Services.AddSingleton(sp =>
        {
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            var memory = sp.GetRequiredService<PasteMemory>();
            var server = new RedisServer(config, loggers.CreateLogger("PasteRedis"), memory);
            if (config.AppendOnly) server.AttachAof(AofPersistence.Open(config, memory, loggers.CreateLogger("PasteRedis.Aof")));
            else loggers.CreateLogger("PasteRedis").LogWarning("appendonly no: nothing will survive a restart");
            return server;
        });
        // Receive pipes rent their segments from the packet-buffer pool: received bytes land in the region.
        builder.Services.AddSingleton(sp =>
        {
            var memory = sp.GetRequiredService<PasteMemory>();
            return new TransportOptions { ReceivePool = memory.Pool, ReceiveSegmentSize = memory.Pool.BufferSize };
        });
        builder.Services.AddHostedService<RespServerService>();
        return builder.Build();
    }
}
