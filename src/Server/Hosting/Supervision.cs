using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// supervised, as Redis's: under systemd (Type=notify) the server tells the notify socket
/// that it is loading, then READY=1 once its data is loaded, and STOPPING=1 when it shuts
/// down; under upstart (expect stop) it stops itself with SIGSTOP to say it started. "auto"
/// picks whichever the environment names (UPSTART_JOB, NOTIFY_SOCKET). INFO shows the mode
/// (process_supervised). Only for the server's own process.
/// </summary>
internal sealed class Supervision
{
    private readonly string? _notifySocket;

    private Supervision(string mode, string? notifySocket)
    {
        Mode = mode;
        _notifySocket = notifySocket;
    }

    /// <summary>process_supervised: systemd, upstart or no.</summary>
    public string Mode { get; }

    public static readonly Supervision None = new("no", null);

    [DllImport("libc", SetLastError = true)]
    private static extern int raise(int signal);
    private const int SigStop = 19;

    /// <summary>Redis's redisIsSupervised, at start: the mode that took effect.</summary>
    public static Supervision Start(Configuration.ServerConfig config, ILogger logger)
    {
        if (!config.OwnsProcess || !OperatingSystem.IsLinux()) return None;
        string mode = config.Get("supervised");
        if (mode == "auto")
            mode = Environment.GetEnvironmentVariable("UPSTART_JOB") != null ? "upstart"
                : Environment.GetEnvironmentVariable("NOTIFY_SOCKET") != null ? "systemd" : "no";
        switch (mode)
        {
            case "upstart":
                if (Environment.GetEnvironmentVariable("UPSTART_JOB") == null)
                {
                    logger.LogWarning("upstart supervision requested, but UPSTART_JOB not found!");
                    return None;
                }
                logger.LogInformation("supervised by upstart, will stop to signal readiness.");
                raise(SigStop);
                Environment.SetEnvironmentVariable("UPSTART_JOB", null);
                return new Supervision("upstart", null);
            case "systemd":
                var socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
                if (socket == null)
                {
                    logger.LogWarning("systemd supervision requested or auto-detected, but NOTIFY_SOCKET environment variable not found!");
                    return None;
                }
                var supervision = new Supervision("systemd", socket);
                if (!supervision.Notify("STATUS=PasteRedis is loading...\n", logger)) return None;
                logger.LogInformation("Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
                return supervision;
            default:
                return None;
        }
    }

    /// <summary>The data is loaded: systemd hears READY=1 (with Redis's status line).</summary>
    public void Ready(bool replica, ILogger logger)
    {
        if (_notifySocket == null) return;
        Notify(replica ? "STATUS=Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync\n"
            : "STATUS=Ready to accept connections\n", logger);
        Notify("READY=1\n", logger);
    }

    public void Stopping(ILogger logger)
    {
        if (_notifySocket != null) Notify("STOPPING=1\n", logger);
    }

    /// <summary>sd_notify: one datagram to the socket systemd named ('@' is the abstract namespace).</summary>
    private bool Notify(string message, ILogger logger)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var path = _notifySocket!.StartsWith('@') ? "\0" + _notifySocket[1..] : _notifySocket;
            socket.SendTo(Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            logger.LogWarning("Can't send notification to systemd: {Reason}", e.Message);
            return false;
        }
    }
}
