using PasteRedis.Server.Diagnostics;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// The latency histogram computes as Redis's hdr_histogram does: the expected values are
/// what redis-server 7.0.15 printed for the same latencies (INFO latencystats and LATENCY
/// HISTOGRAM after commands that took 4, 5, 7, 9, 49 and 86 µs).
/// </summary>
[TestFixture]
public class LatencyHistogramTests
{
    [Test]
    public void PercentilesAreTheHighestEquivalentValuesOfTheirBuckets()
    {
        var h = new LatencyHistogram();
        h.Record(4000);
        h.Record(5000);
        Assert.That(h.ValueAtPercentile(50), Is.EqualTo(4015));
        Assert.That(h.ValueAtPercentile(99), Is.EqualTo(5023));
        Assert.That(h.ValueAtPercentile(99.9), Is.EqualTo(5023));
        foreach (var (ns, highest, lowest) in new[] { (7000L, 7007L, 6976L), (9000, 9023, 8960), (49000, 49151, 48896), (86000, 86015, 85504) })
        {
            var one = new LatencyHistogram();
            one.Record(ns);
            Assert.That(one.ValueAtPercentile(50), Is.EqualTo(highest), $"{ns} ns");
            Assert.That(one.ValueAtPercentile(0), Is.EqualTo(lowest), $"{ns} ns, p0: the lowest equivalent");
        }
    }

    [Test]
    public void BucketsAreCumulativeAtPowersOfTwoFrom1024Nanoseconds()
    {
        var h = new LatencyHistogram();
        h.Record(4000);
        h.Record(5000);
        Assert.That(h.CumulativeBuckets(), Is.EqualTo(new[] { (4L, 1L), (8L, 2L) }));
        var set = new LatencyHistogram();
        set.Record(9000);
        Assert.That(set.CumulativeBuckets(), Is.EqualTo(new[] { (16L, 1L) }));

        // 1024·2^k ns reported by its bucket's highest value: 1, 2, 4, 8, 16, then 33, 66, 131 µs …
        var spread = new LatencyHistogram();
        foreach (var ns in new long[] { 1, 900, 1500, 30_000, 60_000, 2_000_000_000 }) spread.Record(ns);
        Assert.That(spread.CumulativeBuckets(), Is.EqualTo(new[] { (1L, 2L), (2L, 3L), (33L, 4L), (66L, 5L), (1_073_741L, 6L) }),
            "a latency over a second is kept at a second");
        Assert.That(spread.TotalCount, Is.EqualTo(6));
    }
}
