using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Diagnostics;

/// <summary>
/// What Redis's call() notes after each command: its calls, time and failures (INFO
/// commandstats), the slow log and the latency monitor. A command failed when an error
/// reply was written while it ran and not by a command it ran itself (Redis's
/// prev_err_count), or when it passed on an error counted where it arose (a script's).
/// Kept under the execution lock; the server's own sessions (replay, import) are not counted.
/// </summary>
internal sealed class CommandCalls(RedisServer server)
{
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / CycleClock.Frequency;
    private static readonly double NanosecondsPerTick = 1_000_000_000.0 / CycleClock.Frequency;
    private static readonly byte[] Redacted = "(redacted)"u8.ToArray();
    private long _errorsSeen;

    public SlowLog SlowLog { get; } = new();
    public LatencyMonitor Latency { get; } = new();

    public static long Microseconds(long ticks) => (long)(ticks * MicrosecondsPerTick);

    /// <summary>Before a command runs, and after one was refused: errors written so far are not the running command's own.</summary>
    public void BeforeCall() => _errorsSeen = server.Stats.ErrorReplies;

    /// <summary>After a command ran (or a blocked one was answered): <paramref name="args"/> are its arguments as sent.</summary>
    /// <remarks><paramref name="timed"/> false: a pipelined fast command, its time to come from <see cref="AddShare"/>.</remarks>
    public void Record(ClientSession c, RedisCommand cmd, long ticks, bool failedUncounted, RespRequest args, bool slowLog = true, bool timed = true)
    {
        if (ticks < 0) ticks = 0; // two cores' counters a few ticks apart
        cmd.Calls++;
        cmd.Ticks += ticks;
        long errors = server.Stats.ErrorReplies;
        if (errors != _errorsSeen || failedUncounted) cmd.FailedCalls++;
        _errorsSeen = errors;
        if (!timed) return;
        long us = Microseconds(ticks);
        var config = server.Config;
        if (config.LatencyTracking) (cmd.Histogram ??= new LatencyHistogram()).Record((long)(ticks * NanosecondsPerTick));
        if (slowLog && (cmd.Flags & CommandFlags.SkipSlowlog) == 0 && config.SlowlogLogSlowerThan >= 0 && us >= config.SlowlogLogSlowerThan)
            AddToSlowLog(c, cmd, args, us);
        if (config.LatencyMonitorThreshold > 0)
            Latency.AddIfNeeded((cmd.Flags & CommandFlags.Fast) != 0 ? "fast-command" : "command", us / 1000, config.LatencyMonitorThreshold);
    }

    /// <summary>
    /// <paramref name="calls"/> calls of a fast command, each with the same share of a
    /// pipelined batch's time (they read no clock of their own; <see cref="Record"/>
    /// counted them). The slow log gets the command's name, not its arguments.
    /// </summary>
    public void AddShare(ClientSession c, RedisCommand cmd, long ticks, int calls)
    {
        if (ticks < 0) ticks = 0;
        cmd.Ticks += ticks * calls;
        long us = Microseconds(ticks);
        var config = server.Config;
        if (config.LatencyTracking) (cmd.Histogram ??= new LatencyHistogram()).Record((long)(ticks * NanosecondsPerTick), calls);
        if ((cmd.Flags & CommandFlags.SkipSlowlog) == 0 && config.SlowlogLogSlowerThan >= 0 && us >= config.SlowlogLogSlowerThan)
        {
            var name = Encoding.ASCII.GetBytes(cmd.FullName.Replace('|', ' '));
            for (int i = 0; i < calls; i++) SlowLog.Add(1, _ => name, us, Peer(c), c.Name ?? "", config.SlowlogMaxLen);
        }
        if (config.LatencyMonitorThreshold > 0) Latency.AddIfNeeded("fast-command", us / 1000, config.LatencyMonitorThreshold);
    }

    // Apart from Record: its lambda's captures would cost every call an allocation.
    private void AddToSlowLog(ClientSession c, RedisCommand cmd, RespRequest args, long us)
    {
        SlowLog.Add(args.Count, i => IsRedacted(cmd, args, i) ? Redacted : args.Arg(i).ToArray(), us,
            Peer(c), c.Name ?? "", server.Config.SlowlogMaxLen);
    }

    /// <summary>The slow log's client: its address, or Redis's "?:0" for one with none (a script's commands).</summary>
    private static string Peer(ClientSession c) => ClientCommands.Addr(c.RemoteEndPoint) is { Length: > 0 } addr ? addr : "?:0";

    /// <summary>Arguments Redis redacts from the slow log: passwords (AUTH, HELLO … AUTH, CONFIG SET of a password, ACL SETUSER's user and rules).</summary>
    private static bool IsRedacted(RedisCommand cmd, RespRequest args, int i)
    {
        switch (cmd.FullName)
        {
            case "auth":
                return i >= 1;
            case "acl|setuser":
                return i >= 2; // the user and every rule, as Redis redacts them

            case "hello":
                for (int j = 2; j < args.Count; j++)
                {
                    if (Ascii.EqualsIgnoreCase(args.Arg(j), "AUTH"u8) && j + 2 < args.Count)
                    {
                        if (i == j + 1 || i == j + 2) return true;
                        j += 2;
                    }
                    else if (Ascii.EqualsIgnoreCase(args.Arg(j), "SETNAME"u8)) j++;
                }
                return false;
            case "config|set":
                return i >= 3 && i % 2 == 1
                    && (Ascii.EqualsIgnoreCase(args.Arg(i - 1), "requirepass"u8) || Ascii.EqualsIgnoreCase(args.Arg(i - 1), "masterauth"u8));
            default:
                return false;
        }
    }

    /// <summary>CONFIG RESETSTAT: every command's counters.</summary>
    public void ResetStats()
    {
        _errorsSeen = 0;
        foreach (var cmd in server.Commands.All)
        {
            cmd.ResetStats();
            foreach (var sub in cmd.Subcommands?.Values ?? Enumerable.Empty<RedisCommand>()) sub.ResetStats();
        }
    }
}
