using System.Globalization;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// MEMORY STATS and MEMORY DOCTOR beside the real redis-server: the same fields in the same
/// order (plus ours), figures that agree with each other and with INFO memory, and the
/// doctor's verdicts in Redis's words. A server of its own: the figures are global. Not
/// beside other fixtures: the heap is the test process's, and a server another fixture
/// starts meanwhile (its packet buffers' memory managers alone are 8 MB) would count as
/// this one's data.
/// </summary>
[TestFixture, NonParallelizable]
public class MemoryReportTests : ServerFixture
{
    /// <summary>The field names of a MEMORY STATS reply rendered by <see cref="RawClient"/>, nested db.N maps included.</summary>
    private static List<string> Names(string stats) =>
        Regex.Matches(stats, @"\$([a-z][a-z0-9.\-]*)").Select(m => m.Groups[1].Value).ToList();

    private static double Figure(string stats, string name)
    {
        var m = Regex.Match(stats, @"\$" + Regex.Escape(name) + @",[:$](-?[0-9.e+\-]+)");
        Assert.That(m.Success, Is.True, name + " in " + stats);
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void Fill(RawClient c)
    {
        Assert.That(c.Call("FLUSHALL"), Is.EqualTo("+OK"));
        Assert.That(c.Call("SET", "mem:a", "1"), Is.EqualTo("+OK"));
        Assert.That(c.Call("SELECT", "3"), Is.EqualTo("+OK"));
        Assert.That(c.Call("SET", "mem:b", "2", "EX", "1000"), Is.EqualTo("+OK"));
        Assert.That(c.Call("SET", "mem:c", "3"), Is.EqualTo("+OK"));
        Assert.That(c.Call("SELECT", "0"), Is.EqualTo("+OK"));
    }

    [Test]
    public void MemoryStatsHasRedisFieldsInItsOrderAndItsFiguresAgree()
    {
        using var redis = new Tools.ReferenceRedis("memory-report");
        int port = redis.Port;
        using var theirs = new RawClient(port);
        using var c = Server.Raw();
        Fill(theirs);
        Fill(c);
        var expected = Names(theirs.Call("MEMORY", "STATS"));
        var stats = c.Call("MEMORY", "STATS");
        Assert.That(Names(stats), Is.EqualTo(expected.Append("pbufs.allocated").ToList()), stats);

        double total = Figure(stats, "total.allocated"), startup = Figure(stats, "startup.allocated");
        double overhead = Figure(stats, "overhead.total");
        Assert.That(Figure(stats, "keys.count"), Is.EqualTo(3));
        Assert.That(Figure(stats, "dataset.bytes"), Is.EqualTo(Math.Max(0, total - overhead)));
        Assert.That(Figure(stats, "keys.bytes-per-key"), Is.EqualTo(Math.Floor(Math.Max(1, total - startup) / 3)));
        Assert.That(Figure(stats, "peak.allocated"), Is.GreaterThanOrEqualTo(total));
        Assert.That(overhead, Is.GreaterThan(startup), "start-up, and the two databases' tables");
        Assert.That(stats, Does.Contain("$db.3,*[$overhead.hashtable.main,:"));
        var db3 = stats[stats.IndexOf("$db.3,", StringComparison.Ordinal)..];
        Assert.That(Figure(db3, "overhead.hashtable.expires"), Is.GreaterThan(0), "db 3 has a key with a TTL");
        var db0 = stats[stats.IndexOf("$db.0,", StringComparison.Ordinal)..];
        Assert.That(Figure(db0, "overhead.hashtable.expires"), Is.EqualTo(0), "db 0 has none");
        Assert.That(Figure(stats, "aof.buffer"), Is.EqualTo(0), "the log is written in place");

        // A megabyte of values lands in packet buffers, outside the heap.
        double pbufs = Figure(stats, "pbufs.allocated");
        for (int i = 0; i < 64; i++) c.Call("SET", "mem:big:" + i, new string('v', 16 * 1024));
        Assert.That(Figure(c.Call("MEMORY", "STATS"), "pbufs.allocated"), Is.GreaterThanOrEqualTo(pbufs + 1024 * 1024));

        // INFO memory reports the same accounting (Redis builds both from one function).
        var info = c.Call("INFO", "memory");
        Assert.That(info, Does.Contain("used_memory_startup:" + startup.ToString(CultureInfo.InvariantCulture) + "\r\n"));
        foreach (var field in new[] { "used_memory_overhead:", "used_memory_dataset:", "used_memory_dataset_perc:", "allocator_active:", "allocator_frag_ratio:", "mem_clients_normal:", "mem_aof_buffer:0\r\n" })
            Assert.That(info, Does.Contain(field));
        Assert.That(info, Does.Not.Contain("mem_fragmentation_ratio"), "RSS over the heap is no fragmentation here (README)");
    }

    [Test]
    public void MemoryDoctorSpeaksAsRedisDoes()
    {
        using var redis = new Tools.ReferenceRedis("memory-report");
        int port = redis.Port;
        using var theirs = new RawClient(port);
        using var c = Server.Raw();
        Assert.That(c.Call("FLUSHALL"), Is.EqualTo("+OK"));
        // The tests share the server's process (and heap): a collection first, so that
        // only what the server holds counts.
        Assert.That(c.Call("MEMORY", "PURGE"), Is.EqualTo("+OK"));
        Assert.That(c.Call("MEMORY", "DOCTOR"), Is.EqualTo(theirs.Call("MEMORY", "DOCTOR")), "too little data to judge");

        // Six megabytes of values and 1001 cached scripts: Redis's "many scripts" paragraph.
        foreach (var client in new[] { theirs, c })
        {
            var batch = new List<byte>();
            for (int i = 0; i < 6000; i++) batch.AddRange(RawClient.Command("SET", "doc:" + i, new string('d', 1000)));
            for (int i = 0; i <= 1000; i++) batch.AddRange(RawClient.Command("SCRIPT", "LOAD", "return " + i));
            client.Send([.. batch]);
            for (int i = 0; i < 7001; i++) Assert.That(client.ReadReply(), Does.Not.StartWith("-"));
        }
        string redisReport = theirs.Call("MEMORY", "DOCTOR"), ours = c.Call("MEMORY", "DOCTOR");
        string Paragraph(string report) => report.Split("\n\n").Single(p => p.StartsWith(" * Many scripts:", StringComparison.Ordinal));
        Assert.That(ours, Does.StartWith("$Sam, I detected a few issues in this Redis instance memory implants:\n\n"));
        Assert.That(Paragraph(ours), Is.EqualTo(Paragraph(redisReport)));
        Assert.That(ours, Does.EndWith("\n\nI'm here to keep you safe, Sam. I want to help you.\n"));

        Assert.That(c.Call("SCRIPT", "FLUSH"), Is.EqualTo("+OK"));
        Assert.That(c.Call("MEMORY", "DOCTOR"), Does.Not.Contain("Many scripts"));
    }
}
