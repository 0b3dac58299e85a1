namespace PasteRedis.Server.Diagnostics;

/// <summary>One SLOWLOG entry, as Redis's slowlogEntry: arguments already cut to size.</summary>
internal sealed record SlowLogEntry(long Id, long UnixSeconds, long Microseconds, byte[][] Args, string Peer, string ClientName);

/// <summary>
/// Redis's slow log (slowlog.c): the commands that ran at least slowlog-log-slower-than
/// microseconds, newest first, at most slowlog-max-len of them (trimmed when one is added,
/// as Redis does). Kept under the execution lock.
/// </summary>
internal sealed class SlowLog
{
    /// <summary>Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.</summary>
    public const int MaxArgs = 32, MaxArgBytes = 128;

    private readonly LinkedList<SlowLogEntry> _entries = new();
    private long _nextId; // not reset by SLOWLOG RESET, as in Redis

    public int Count => _entries.Count;

    /// <summary>The newest <paramref name="count"/> entries (all of them for a negative count), newest first.</summary>
    public IEnumerable<SlowLogEntry> Newest(long count) => count < 0 ? _entries : _entries.Take((int)Math.Min(count, int.MaxValue));

    public void Reset() => _entries.Clear();

    /// <summary>
    /// Adds an entry for a command of <paramref name="argc"/> arguments (read through
    /// <paramref name="arg"/>) that took <paramref name="microseconds"/>, then trims the log.
    /// </summary>
    public void Add(int argc, Func<int, byte[]> arg, long microseconds, string peer, string clientName, long maxLength)
    {
        int kept = Math.Min(argc, MaxArgs);
        var args = new byte[kept][];
        for (int j = 0; j < kept; j++)
        {
            if (kept != argc && j == kept - 1)
            {
                args[j] = System.Text.Encoding.ASCII.GetBytes($"... ({argc - kept + 1} more arguments)");
                continue;
            }
            var a = arg(j);
            if (a.Length > MaxArgBytes)
                a = [.. a.AsSpan(0, MaxArgBytes), .. System.Text.Encoding.ASCII.GetBytes($"... ({a.Length - MaxArgBytes} more bytes)")];
            args[j] = a;
        }
        _entries.AddFirst(new SlowLogEntry(_nextId++, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), microseconds, args, peer, clientName));
        while (_entries.Count > maxLength) _entries.RemoveLast();
    }
}
