using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Hosting;
using PasteRedis.Server.Memory;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server;

/// <summary>Builds the Generic Host that runs a PasteRedis server; Program and the tests both use it.</summary>
public static class PasteRedisHost
{
    /// <summary>
    /// `export-aof FILE [options]`: recovers the data dir (without listening) and writes the
    /// live keyspace as a standard Redis AOF that redis-server loads. Returns the exit code.
    /// </summary>
    public static int ExportAof(string file, string[] args)
    {
        using var host = Build(args);
        var server = (RedisServer)host.Services.GetService(typeof(RedisServer))!;
        server.Load(NullLogger.Instance, CancellationToken.None);
        if (server.Loaded.Exception?.InnerException is { } failed) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        using (var output = File.Create(file))
        {
            long keys = Persistence.RedisAofInterop.Export(server, output);
            Console.Error.WriteLine($"Exported {keys} keys to {file}");
        }
        server.Aof?.Dispose();
        return 0;
    }

    /// <summary>
    /// Builds a host from redis-server style arguments: an optional config file first,
    /// then --name value options. Throws with a message naming the problem when the
    /// configuration is invalid.
    /// </summary>
    /// <param name="ownsProcess">
    /// True for the server's own process (Program): the runtime's socket engine is set up to
    /// run commands on its event threads (<see cref="SocketEngine"/>). Tests embedding a host leave it as it is.
    /// </param>
    public static IHost Build(string[] args, bool ownsProcess = false)
    {
        // Only the configuration sources the server reads (appsettings.json, the environment):
        // the defaults also watch the content root for changes, read appsettings.{Environment}.json
        // and the host's DOTNET_ variables, and load logging providers that are cleared below
        // (an empty start took ~27 ms longer with them, 12 %).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.ClearProviders();
        var config = ConfigLoader.Load(args, builder.Configuration.GetSection("PasteRedis"));
        config.OwnsProcess = ownsProcess;
        // As Redis: the log goes to logfile when one is set, else to standard output.
        if (config.Get("logfile") is { Length: > 0 } logfile) builder.Logging.AddProvider(new FileLoggerProvider(logfile));
        else builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "dd MMM yyyy HH:mm:ss.fff ";
        });
        if (ownsProcess) SocketEngine.RunCommandsOnEventThreads(int.Parse(config.Get("io-threads"), System.Globalization.CultureInfo.InvariantCulture));
        // Before the packet buffers are mapped: later mappings get no huge pages unless they advise them.
        string? thpProblem = ownsProcess ? TransparentHugePages.Apply(config) : null;
        if (ownsProcess) TransparentHugePages.AdviseManagedHeap();
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
            // The log is opened (and a foreign or mismatched one refused) here; it is replayed
            // once the server listens (RespServerService), answering LOADING meanwhile.
            AofPersistence? aof = null;
            if (config.AppendOnly) aof = AofPersistence.Open(config, memory, loggers.CreateLogger("PasteRedis.Aof"));
            else loggers.CreateLogger("PasteRedis").LogWarning("appendonly no: nothing will survive a restart");
            server.PrepareLoading(aof, config.Get("aof-import"));
            return server;
        });
        // Receive pipes rent their segments from the packet-buffer pool: received bytes land in the region.
        builder.Services.AddSingleton(sp =>
        {
            var memory = sp.GetRequiredService<PasteMemory>();
            return new TransportOptions { ReceivePool = memory.Pool, ReceiveSegmentSize = memory.Pool.BufferSize };
        });
        builder.Services.AddHostedService<RespServerService>();
        // In its own process the server takes SIGTERM and SIGINT as Redis does (shutdown-on-sigterm, …).
        if (ownsProcess) builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        var host = builder.Build();
        if (thpProblem != null) host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PasteRedis").LogWarning("{Problem}", thpProblem);
        return host;
    }
}
