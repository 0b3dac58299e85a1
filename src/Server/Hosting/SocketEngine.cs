namespace PasteRedis.Server.Hosting;

/// <summary>
/// The event loop, as Redis runs it: the runtime's socket event threads (epoll on Linux)
/// run each connection's read → parse → execute → persist → reply inline, instead of
/// handing every readiness event to the thread pool. On a small machine the hand-off
/// (a queue, a wake-up, a context switch, then contention for the execution lock) cost
/// more than the commands; <c>io-threads</c> sets how many event threads there are
/// (default 1, Redis's single loop). The runtime reads these settings once, when the
/// first socket is created, so only a process that owns its runtime (Program) applies
/// them, before it listens; a host embedded in another process (the tests) keeps the
/// process's own settings. Settings already in the environment win.
/// </summary>
internal static class SocketEngine
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string ThreadCount = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    public static void RunCommandsOnEventThreads(int ioThreads)
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) == null)
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        if (Environment.GetEnvironmentVariable(ThreadCount) == null)
            Environment.SetEnvironmentVariable(ThreadCount, ioThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What INFO reports: whether commands run on the event threads, and how many there are.</summary>
    public static bool Inline => Environment.GetEnvironmentVariable(InlineCompletions) == "1";
    public static string Threads => Environment.GetEnvironmentVariable(ThreadCount) ?? "runtime default";
}
