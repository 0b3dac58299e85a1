using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// SIGTERM and SIGINT, as Redis takes them (in the server's own process; it replaces the
/// Generic Host's console lifetime): "Received SIGTERM scheduling shutdown...", then a
/// shutdown with shutdown-on-sigterm's (or shutdown-on-sigint's) options, which may save an
/// RDB file first and, when that fails without force, keeps the server running. A second
/// SIGINT during a shutdown exits at once ("You insist... exiting now."), as Redis does;
/// SIGHUP is ignored, as Redis ignores it.
/// </summary>
internal sealed class SignalLifetime(RedisServer server, ILogger<SignalLifetime> logger)
    : IHostLifetime, IDisposable
{
    private PosixSignalRegistration? _term, _int, _hup;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        // As Redis (signal(SIGHUP, SIG_IGN)): a closed terminal or a reload signal does not end the server.
        _hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // handled here, not by the runtime's default
        string name = context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
        if (context.Signal == PosixSignal.SIGINT && server.ShutdownInitiated)
        {
            logger.LogWarning("You insist... exiting now.");
            Environment.Exit(1); // not a clean shutdown
        }
        if (server.Loading) logger.LogWarning("Received shutdown signal during loading, scheduling shutdown.");
        else logger.LogWarning("Received {Signal} scheduling shutdown...", name);
        string option = context.Signal == PosixSignal.SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm";
        ShutdownOptions.TryParse(server.Config.Get(option), out var flags);
        // Off the signal's thread: a save may take a while, and it waits for the execution lock.
        _ = Task.Run(() =>
        {
            string? error;
            if (server.Loading) error = server.Shutdown(flags | ShutdownFlags.NoSave);
            else lock (server.ExecLock) error = server.Shutdown(flags);
            if (error != null) logger.LogWarning("Errors trying to shut down the server. Check the logs for more information.");
        });
    }

    public void Dispose()
    {
        _term?.Dispose();
        _int?.Dispose();
        _hup?.Dispose();
    }
}
