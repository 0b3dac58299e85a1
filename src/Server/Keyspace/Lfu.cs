namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Redis's LFU approximation (evict.c): per key, the last access in minutes (16 bits) and a
/// logarithmic access counter (8 bits, new keys start at 5). An access increments the
/// counter with probability 1 / ((counter - 5) × lfu-log-factor + 1); every lfu-decay-time
/// minutes without access takes one off. Kept while maxmemory-policy is allkeys-lfu or
/// volatile-lfu; read by OBJECT FREQ and by eviction.
/// </summary>
internal static class Lfu
{
    public const int InitialCounter = 5;

    private static int Minutes(long nowMs) => (int)((nowMs / 60_000) & 0xFFFF);

    public static int Initial(long nowMs) => Minutes(nowMs) << 8 | InitialCounter;

    private static int Elapsed(int lastMinutes, long nowMs)
    {
        int now = Minutes(nowMs);
        return now >= lastMinutes ? now - lastMinutes : 65535 - lastMinutes + now;
    }

    /// <summary>The counter with the decay since the last access applied (LFUDecrAndReturn).</summary>
    public static int Counter(int data, long nowMs, int decayMinutes)
    {
        int counter = data & 255;
        int periods = decayMinutes > 0 ? Elapsed(data >> 8, nowMs) / decayMinutes : 0;
        return periods > counter ? 0 : counter - periods;
    }

    /// <summary>An access: decay, then the logarithmic increment (<paramref name="random"/> in [0, 1)).</summary>
    public static int Touch(int data, long nowMs, int logFactor, int decayMinutes, double random)
    {
        int counter = Counter(data, nowMs, decayMinutes);
        if (counter < 255)
        {
            double baseValue = Math.Max(0, counter - InitialCounter);
            if (random < 1.0 / (baseValue * logFactor + 1)) counter++;
        }
        return Minutes(nowMs) << 8 | counter;
    }
}
