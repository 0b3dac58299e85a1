using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// WAIT and WAITAOF on a server without replicas: none is ever acknowledged, so asking for
/// some waits out the timeout; WAITAOF's local count says whether this connection's writes
/// are durable, making them so under appendfsync no/everysec.
/// </summary>
[TestFixture]
public class WaitTests
{
    [Test]
    public async Task WaitCountsNoReplicasAndWaitsOutItsTimeout()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        using var raw = server.Raw();
        Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("WAIT", "0", "0"), Is.EqualTo(":0"));
        var clock = Stopwatch.StartNew();
        Assert.That(raw.Call("WAIT", "1", "200"), Is.EqualTo(":0"));
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(190), "no replica acknowledged: it waited the timeout");
        Assert.That(raw.Call("WAIT", "1", "-1"), Is.EqualTo("-ERR timeout is negative"));
        Assert.That(raw.Call("WAIT", "x", "0"), Is.EqualTo("-ERR value is not an integer or out of range"));
        Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("WAIT", "1", "0"), Is.EqualTo("+QUEUED"));
        Assert.That(raw.Call("EXEC"), Is.EqualTo("*[:0]"), "inside EXEC it cannot block");
        Assert.That(raw.Call("WAITAOF", "1", "0", "0"), Is.EqualTo("*[:1,:0]"));
        clock.Restart();
        Assert.That(raw.Call("WAITAOF", "0", "1", "150"), Is.EqualTo("*[:1,:0]"));
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(140));
        Assert.That(raw.Call("WAITAOF", "2", "0", "0"), Is.EqualTo("-ERR value is out of range, value must between 0 and 1"));
        Assert.That(raw.Call("WAITAOF", "1", "-1", "0"), Is.EqualTo("-ERR value is out of range, must be positive"));
    }

    [Test]
    public async Task WaitAofMakesTheLogDurableUnderAppendfsyncNo()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--appendfsync", "no");
        using var raw = server.Raw();
        Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
        long before = Fences(raw);
        Assert.That(raw.Call("WAITAOF", "1", "0", "0"), Is.EqualTo("*[:1,:0]"));
        Assert.That(Fences(raw), Is.GreaterThan(before), "the flushes and the fence that make the SET durable happened");
    }

    [Test]
    public async Task WaitAofWithoutAnAofRefusesALocalCount()
    {
        await using var server = await ServerInstance.StartAsync("--appendonly", "no");
        using var raw = server.Raw();
        Assert.That(raw.Call("WAITAOF", "1", "0", "0"), Is.EqualTo("-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."));
        Assert.That(raw.Call("WAITAOF", "0", "0", "0"), Is.EqualTo("*[:0,:0]"));
    }

    private static long Fences(RawClient raw) =>
        long.Parse(Regex.Match(raw.Call("INFO", "persistence"), @"aof_log_fences:(\d+)").Groups[1].Value);
}
