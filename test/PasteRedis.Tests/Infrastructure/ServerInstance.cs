using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using PasteRedis.Server;
using StackExchange.Redis;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>A real PasteRedis server started in-process on a free loopback port.</summary>
public sealed class ServerInstance : IAsyncDisposable
{
    private IHost _host;
    private readonly string[] _args;

    private ServerInstance(IHost host, int port, string dir, string[] args)
    {
        _host = host;
        Port = port;
        DataDir = dir;
        _args = args;
    }

    /// <summary>The running server's internals, for tests that observe persistence directly.</summary>
    internal PasteRedis.Server.RedisServer Server =>
        (PasteRedis.Server.RedisServer)_host.Services.GetService(typeof(PasteRedis.Server.RedisServer))!;

    /// <summary>Stops the server gracefully and starts it again on the same data dir (recovery).</summary>
    public async Task RestartAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _host = PasteRedisHost.Build(_args);
        await StartAndLoadAsync(_host);
    }

    /// <summary>
    /// Starts the host and waits until the log is loaded (the server listens meanwhile,
    /// answering LOADING); a log that cannot be loaded throws as a refused start.
    /// </summary>
    private static async Task StartAndLoadAsync(IHost host)
    {
        await host.StartAsync();
        var server = (PasteRedis.Server.RedisServer)host.Services.GetService(typeof(PasteRedis.Server.RedisServer))!;
        try { await server.Loaded; }
        catch
        {
            await host.StopAsync();
            throw;
        }
    }

    /// <summary>Stops the server gracefully, keeping the data dir (to damage its files, then start anew).</summary>
    public async Task StopKeepingDataAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Starts a server on an existing data dir (after <see cref="StopKeepingDataAsync"/> or a copied image).</summary>
    public static async Task<ServerInstance> StartOnAsync(string dir, params string[] extraArgs)
    {
        var port = FreePort();
        var args = new List<string> { "--port", port.ToString(), "--dir", dir, "--loglevel", "warning" };
        args.AddRange(EventLoopArgs());
        args.AddRange(extraArgs);
        var host = PasteRedisHost.Build(args.ToArray());
        try { await StartAndLoadAsync(host); }
        catch
        {
            host.Dispose(); // a refused start must not keep the data dir's files open
            throw;
        }
        return new ServerInstance(host, port, dir, args.ToArray());
    }

    /// <summary>
    /// PASTEREDIS_TEST_EVENT_LOOP=runtime runs every server of the suite on the runtime's
    /// socket engine instead of the default epoll loop (CI's second pass); a test's own
    /// --event-loop, given later, wins.
    /// </summary>
    public static string[] EventLoopArgs() =>
        Environment.GetEnvironmentVariable("PASTEREDIS_TEST_EVENT_LOOP") is { Length: > 0 } loop ? ["--event-loop", loop] : [];

    public int Port { get; }
    public string DataDir { get; }
    public string EndPoint => $"127.0.0.1:{Port}";

    public static Task<ServerInstance> StartAsync(params string[] extraArgs)
    {
        var dir = NewDataDir();
        Directory.CreateDirectory(dir);
        return StartOnAsync(dir, extraArgs);
    }

    /// <summary>A fresh data dir on /dev/shm: the emulated NVMM the product is meant for, and no disk msync in tests.</summary>
    public static string NewDataDir()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, "pasteredis-test-" + Guid.NewGuid().ToString("N"));
        HandedOut.Add(dir);
        return dir;
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<string> HandedOut = [];

    /// <summary>At the end of the run: removes every data dir <see cref="NewDataDir"/> handed out that is still there.</summary>
    public static void DeleteDataDirs()
    {
        foreach (var dir in HandedOut)
            try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// A loopback port nothing listens on, never the same one twice in a run. It comes from
    /// below the kernel's ephemeral range: a port the kernel hands out for port 0 can, once
    /// released, be handed again, or be taken as the local port of one of the suite's own
    /// outgoing connections before the server binds it (CI once saw "Address already in
    /// use" that way).
    /// </summary>
    public static int FreePort()
    {
        lock (PortLock)
        {
            for (int tries = 0; tries < PortSpan; tries++)
            {
                int port = PortBase + (_nextPort++ % PortSpan);
                try
                {
                    var l = new TcpListener(IPAddress.Loopback, port);
                    l.Start();
                    l.Stop();
                    return port;
                }
                catch (System.Net.Sockets.SocketException) { } // another process has it: the next one
            }
            throw new InvalidOperationException($"no free loopback port in {PortBase}..{PortBase + PortSpan - 1}");
        }
    }

    private const int PortBase = 20000, PortSpan = 12000; // 20000..31999, below Linux's default ephemeral range (32768..60999)
    private static readonly object PortLock = new();
    private static int _nextPort = Environment.ProcessId * 37 % PortSpan; // two suites on one machine start apart

    public Task<ConnectionMultiplexer> ConnectAsync(RedisProtocol protocol = RedisProtocol.Resp2, string? password = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { EndPoint },
            AllowAdmin = true,
            Protocol = protocol,
            Password = password,
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
            SyncTimeout = 10000,
        };
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public RawClient Raw() => new(Port);

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(); } catch (ObjectDisposedException) { }
        _host.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
