using System.Numerics;

namespace PasteRedis.Server.Diagnostics;

/// <summary>
/// A command's latency histogram as Redis 7 keeps it (latency-tracking): an HdrHistogram of
/// nanoseconds from 1 to 10^9 with two significant digits (256 sub-buckets, 23 buckets), so
/// that LATENCY HISTOGRAM's buckets and INFO latencystats' percentiles are computed as
/// hdr_histogram computes them (log iteration from 1024 ns doubling; value at percentile).
/// </summary>
internal sealed class LatencyHistogram
{
    private const long Lowest = 1, Highest = 1_000_000_000;
    private const int SubBucketHalfCountMagnitude = 7, SubBucketHalfCount = 128, SubBucketMask = 255, SubBucketCount = 256;
    private const int BucketCount = 23, CountsLength = (BucketCount + 1) * SubBucketHalfCount;

    private readonly long[] _counts = new long[CountsLength];

    public long TotalCount { get; private set; }

    /// <summary>Records one latency (clamped to 1 ns .. 1 s, as Redis's updateCommandLatencyHistogram).</summary>
    public void Record(long nanoseconds, int times = 1)
    {
        long v = Math.Clamp(nanoseconds, Lowest, Highest);
        _counts[CountsIndex(v)] += times;
        TotalCount += times;
    }

    private static int BucketIndex(long value) => 64 - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask)) - (SubBucketHalfCountMagnitude + 1);

    private static int SubBucketIndex(long value, int bucket) => (int)(value >> bucket);

    private static int CountsIndex(long value)
    {
        int bucket = BucketIndex(value);
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + SubBucketIndex(value, bucket) - SubBucketHalfCount;
    }

    private static long ValueAtIndex(int index)
    {
        int bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        int sub = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            sub -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << bucket;
    }

    private static long LowestEquivalent(long value)
    {
        int bucket = BucketIndex(value);
        return (long)SubBucketIndex(value, bucket) << bucket;
    }

    private static long HighestEquivalent(long value)
    {
        int bucket = BucketIndex(value);
        int sub = SubBucketIndex(value, bucket);
        long size = 1L << (sub >= SubBucketCount ? bucket + 1 : bucket);
        return ((long)sub << bucket) + size - 1;
    }

    /// <summary>hdr_value_at_percentile.</summary>
    public long ValueAtPercentile(double percentile)
    {
        double requested = Math.Min(percentile, 100.0);
        long countAt = Math.Max(1, (long)(requested / 100 * TotalCount + 0.5));
        long running = 0;
        for (int i = 0; i < CountsLength; i++)
        {
            running += _counts[i];
            if (running >= countAt)
            {
                long value = ValueAtIndex(i);
                return percentile == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
            }
        }
        return 0;
    }

    /// <summary>
    /// LATENCY HISTOGRAM's buckets (Redis's fillCommandCDF over hdr_iter_log_init(1024, 2)):
    /// at each reporting level, 1024 ns doubling, the level's highest equivalent value in
    /// microseconds and how many latencies lie at or below it; a level adding none is left out.
    /// </summary>
    public List<(long Microseconds, long Cumulative)> CumulativeBuckets()
    {
        var result = new List<(long, long)>();
        long cumulative = 0, previous = 0, value = 0, level = 1024;
        int index = -1;
        while (cumulative < TotalCount)
        {
            bool end = false;
            while (value < LowestEquivalent(level))
            {
                // Past the last bucket hdr's iterator still reports once, at the last value.
                if (index + 1 >= CountsLength)
                {
                    end = true;
                    break;
                }
                cumulative += _counts[++index];
                value = ValueAtIndex(index);
            }
            if (cumulative > previous) result.Add((HighestEquivalent(value) / 1000, cumulative));
            previous = cumulative;
            if (end) break;
            level *= 2;
        }
        return result;
    }
}
