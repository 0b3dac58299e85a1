namespace PasteRedis.Server.Diagnostics;

/// <summary>
/// Redis's latency monitor (latency.c): per event ("command", "fast-command", …) a ring of
/// 160 one-second samples (the largest latency seen in that second, in milliseconds) and
/// the all-time maximum, fed only while latency-monitor-threshold is above zero and only
/// with latencies at or above it. Kept under the execution lock.
/// </summary>
internal sealed class LatencyMonitor
{
    /// <summary>Redis's LATENCY_TS_LEN.</summary>
    public const int Samples = 160;

    internal sealed class Series
    {
        public readonly long[] Times = new long[Samples];
        public readonly long[] Latencies = new long[Samples];
        public int Next;
        public long Max;

        public int Last => (Next + Samples - 1) % Samples;

        /// <summary>The samples oldest first (slots never written left out).</summary>
        public IEnumerable<(long Time, long Latency)> History()
        {
            for (int j = 0; j < Samples; j++)
            {
                int i = (Next + j) % Samples;
                if (Times[i] != 0) yield return (Times[i], Latencies[i]);
            }
        }
    }

    // Insertion order stands in for the order of Redis's dict (unspecified there).
    private readonly Dictionary<string, Series> _events = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Series> Events => _events;

    /// <summary>Redis's latencyAddSampleIfNeeded.</summary>
    public void AddIfNeeded(string name, long milliseconds, long threshold)
    {
        if (threshold > 0 && milliseconds >= threshold) Add(name, milliseconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    /// <summary>Redis's latencyAddSample: one sample per second per event, the largest.</summary>
    public void Add(string name, long milliseconds, long nowSeconds)
    {
        if (!_events.TryGetValue(name, out var s)) _events[name] = s = new Series();
        if (milliseconds > s.Max) s.Max = milliseconds;
        int prev = s.Last;
        if (s.Times[prev] == nowSeconds)
        {
            if (milliseconds > s.Latencies[prev]) s.Latencies[prev] = milliseconds;
            return;
        }
        s.Times[s.Next] = nowSeconds;
        s.Latencies[s.Next] = milliseconds;
        s.Next = (s.Next + 1) % Samples;
    }

    /// <summary>Forgets one event (or all of them for null); the number forgotten.</summary>
    public int Reset(string? name)
    {
        if (name != null) return _events.Remove(name) ? 1 : 0;
        int n = _events.Count;
        _events.Clear();
        return n;
    }
}
