using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// What Redis prints as it starts: the logo when always-show-logo is yes, or when the log
/// goes to a terminal; otherwise one line, "Running mode=standalone, port=N.".
/// </summary>
internal static class StartupBanner
{
    public static void Show(RedisServer server, ILogger logger)
    {
        var config = server.Config;
        int port = config.Port != 0 ? config.Port : (int)config.Long("tls-port");
        bool toTerminal = config.Get("logfile").Length == 0 && !Console.IsOutputRedirected;
        if (config.Get("always-show-logo") != "yes" && !toTerminal)
        {
            logger.LogInformation("Running mode=standalone, port={Port}.", port);
            return;
        }
        string version = typeof(StartupBanner).Assembly.GetName().Version?.ToString(3) ?? "0";
        string persistence = server.Aof is { } aof ? $"AOF of references; {aof.Log.Region.Describe()}" : "none (appendonly no)";
        logger.LogInformation("{Logo}", $"""

             ___          _       ___        _ _
            | _ \__ _ ___| |_ ___| _ \___ __| (_)___    PasteRedis {version}, speaks Redis {RedisServer.Version}
            |  _/ _` (_-<  _/ -_)   / -_) _` | (_-<    Running in standalone mode
            |_| \__,_/__/\__\___|_|_\___\__,_|_/__/    Port: {port}   PID: {Environment.ProcessId}

            Persistence: {persistence}

            """);
    }
}
