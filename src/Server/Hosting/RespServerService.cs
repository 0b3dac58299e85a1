using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// The hosted service: listens on every bind address, runs the cron, and on stop closes
/// the listeners, lets each connection finish its batch and flush, then returns.
/// </summary>
internal sealed class RespServerService(RedisServer server, TransportOptions transport,
    IHostApplicationLifetime lifetime, ILogger<RespServerService> logger) : IHostedService
{
    private readonly List<RespSocketServer> _listeners = [];
    private readonly List<TlsListener> _tlsListeners = [];
    private Loop.EventLoop[] _loops = [];
    private readonly CancellationTokenSource _stopLoading = new();
    private Thread? _loader;
    private Timer? _cron;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = server.Config;
        // TLS is loaded before anything listens: bad certificates refuse the start.
        var tls = TlsSettings.Load(config, logger);
        string unixSocket = config.Get("unixsocket");
        if (config.Port == 0 && tls == null && unixSocket.Length == 0) throw new Configuration.ConfigException("Configured to not listen anywhere, exiting.");
        server.RequestShutdown = lifetime.StopApplication;
        WritePidFile(config.Get("pidfile"));
        server.TcpPort = config.Port;
        bool plain = config.Port != 0 || unixSocket.Length > 0; // connections without TLS, on TCP or the Unix socket
        if (plain && config.Get("event-loop") == "epoll" && !Loop.Epoll.Supported)
            logger.LogWarning("event-loop epoll needs Linux: using the runtime's socket engine");
        if (plain && config.Get("event-loop") == "epoll" && Loop.Epoll.Supported)
        {
            var loops = _loops = Loop.EventLoop.Start(server, transport, logger, int.Parse(config.Get("io-threads"), System.Globalization.CultureInfo.InvariantCulture));
            server.EventLoopAllocatedBytes = () => loops.Sum(l => l.AllocatedBytes);
            server.EventLoopReads = () => loops.Sum(l => l.Reads);
        }
        foreach (var address in config.Bind.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var ip = address switch { "*" => IPAddress.Any, "::*" => IPAddress.IPv6Any, _ => IPAddress.Parse(address.TrimStart('-')) };
            if (config.Port != 0 && _loops.Length > 0) _loops[0].Listen(new IPEndPoint(ip, config.Port), config.TcpBacklog);
            else if (config.Port != 0)
            {
                var endPoint = new IPEndPoint(ip, config.Port);
                var listener = new RespSocketServer(server, endPoint);
                listener.Listen(endPoint, ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp, config.TcpBacklog,
                    transport.SendOptions(), transport.ReceiveOptions());
                _listeners.Add(listener);
            }
            if (tls != null)
            {
                var listener = new TlsListener(server, transport, tls, new IPEndPoint(ip, tls.Port), logger);
                _tlsListeners.Add(listener);
                listener.Start(config.TcpBacklog);
            }
        }
        if (unixSocket.Length > 0)
        {
            var endPoint = UnixSocket.Prepare(unixSocket);
            if (_loops.Length > 0) _loops[0].Listen(endPoint, config.TcpBacklog);
            else
            {
                var listener = new RespSocketServer(server, endPoint);
                listener.Listen(endPoint, AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified, config.TcpBacklog,
                    transport.SendOptions(), transport.ReceiveOptions());
                _listeners.Add(listener);
            }
            UnixSocket.SetPermissions(unixSocket, config.Get("unixsocketperm"));
            logger.LogInformation("The server is now ready to accept connections at {Path}", unixSocket);
        }
        if (tls != null) server.ReloadTls = () =>
        {
            try
            {
                var reloaded = TlsSettings.Load(config, logger)!;
                foreach (var l in _tlsListeners) l.Settings = reloaded;
                return null;
            }
            catch (Configuration.ConfigException e) { return e.Message; } // the reason is logged by Load
        };
        _cron = new Timer(_ => RunCron(), null, CronPeriodMs(), Timeout.Infinite);
        if (config.OwnsProcess) ProcessTitle.Apply(config, logger);
        StartupBanner.Show(server, logger);
        // A service manager hears of the start now and of readiness once the data is loaded.
        var supervision = server.Supervision = Supervision.Start(config, logger);
        server.Loaded.ContinueWith(t => { if (t.IsCompletedSuccessfully) supervision.Ready(server.Master != null, logger); }, TaskScheduler.Default);
        if (config.Port != 0) logger.LogInformation("Ready to accept connections tcp on {Bind} port {Port}", config.Bind, config.Port);
        if (tls != null) logger.LogInformation("Ready to accept connections tls on {Bind} port {Port}", config.Bind, tls.Port);
        if (server.Loading)
        {
            // As Redis: listening while the log is replayed, answering LOADING to what needs the data.
            _loader = new Thread(Load) { Name = "aof-loader", IsBackground = true };
            _loader.Start();
        }
        else server.StartConfiguredReplication(); // nothing to load: follow the master now
        return Task.CompletedTask;
    }

    /// <summary>Redis's createPidFile: the process ID and a newline; a failure is logged, not fatal.</summary>
    private void WritePidFile(string path)
    {
        if (path.Length == 0) return;
        try { File.WriteAllText(path, $"{Environment.ProcessId}\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { logger.LogWarning("Failed to write PID file: {Reason}", e.Message); }
    }

    private void Load()
    {
        server.Load(logger, _stopLoading.Token);
        if (server.Loaded.IsCanceled) logger.LogWarning("Loading stopped by shutdown; the log is unchanged and is loaded at the next start");
        else if (server.Loaded.Exception?.InnerException is { } e)
        {
            // The start is refused, as before listening: the message, then exit code 1 (Program).
            Console.Error.WriteLine(e is Configuration.ConfigException ? e.Message : e.ToString());
            lifetime.StopApplication();
        }
    }

    /// <summary>The cron runs hz times a second: the configured hz, or dynamic-hz's (RedisServer.Cron), read again after each run.</summary>
    private int CronPeriodMs() => Math.Max(1, 1000 / Math.Max(1, server.Hz));

    private void RunCron()
    {
        long started = Environment.TickCount64;
        try { server.Cron(); }
        catch (Exception e) { logger.LogError(e, "cron failed"); }
        // The next run one period after this one began (a steady rate, as a periodic timer keeps).
        long due = Math.Max(0, CronPeriodMs() - (Environment.TickCount64 - started));
        try { _cron?.Change(due, Timeout.Infinite); }
        catch (ObjectDisposedException) { } // stopping
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Shutting down: closing listeners and draining {Count} connections", server.ClientCount);
        server.Supervision.Stopping(logger);
        _stopLoading.Cancel();
        if (_loader != null && _loader != Thread.CurrentThread) _loader.Join();
        _cron?.Dispose();
        var link = server.StopReplicationLink(); // a replica's link applies nothing more
        foreach (var l in _listeners) l.Stop();
        foreach (var l in _loops) l.StopListening();
        foreach (var l in _tlsListeners) l.Stop();
        server.StopAcceptingClients();
        foreach (var c in server.Clients) c.Kill(dropOutput: false); // each finishes its batch and its replies go out
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (server.ClientCount > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        foreach (var l in _listeners) l.Dispose();
        foreach (var l in _loops) l.Dispose();
        foreach (var l in _tlsListeners) l.Dispose();
        if (server.Aof is { } aof)
        {
            // Whatever the fsync policy, the log is durable when we exit.
            lock (server.ExecLock)
            {
                aof.Drain(RedisServer.NowMs());
                server.ShuttingDown = true; // a straggler's batch now closes instead of running
                server.SaveReplicationState(link);
            }
            logger.LogInformation("Log made durable on shutdown ({Records} records)", aof.Log.Records);
            aof.Dispose();
        }
        else server.LoadingAof?.Dispose(); // stopped while loading: nothing was appended
        if (server.Config.Get("unixsocket") is { Length: > 0 } socketFile)
        {
            logger.LogInformation("Removing the unix socket file.");
            try { File.Delete(socketFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        if (server.Config.Get("pidfile") is { Length: > 0 } pidFile)
        {
            logger.LogInformation("Removing the pid file.");
            File.Delete(pidFile);
        }
        logger.LogInformation("PasteRedis is now ready to exit, bye bye...");
    }
}
