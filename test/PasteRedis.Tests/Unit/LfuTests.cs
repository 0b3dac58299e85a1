using PasteRedis.Server.Keyspace;

namespace PasteRedis.Tests.Unit;

/// <summary>Redis's LFU arithmetic: decay by elapsed minutes (across the 16-bit wrap), saturation, the initial value.</summary>
[TestFixture]
public class LfuTests
{
    private const long Minute = 60_000;

    [Test]
    public void TheCounterDecaysOnePerDecayPeriod()
    {
        long t0 = 1_000 * Minute;
        int data = Lfu.Initial(t0) | 0; // counter 5
        Assert.That(Lfu.Counter(data, t0, 1), Is.EqualTo(5));
        Assert.That(Lfu.Counter(data, t0 + 3 * Minute, 1), Is.EqualTo(2));
        Assert.That(Lfu.Counter(data, t0 + 4 * Minute, 2), Is.EqualTo(3), "lfu-decay-time 2: one per two minutes");
        Assert.That(Lfu.Counter(data, t0 + 60 * Minute, 1), Is.EqualTo(0), "never below zero");
        Assert.That(Lfu.Counter(data, t0 + 60 * Minute, 0), Is.EqualTo(5), "lfu-decay-time 0: no decay");
    }

    [Test]
    public void MinutesWrapAt16Bits()
    {
        long nearWrap = 65_534 * Minute;
        int data = Lfu.Touch(Lfu.Initial(nearWrap), nearWrap, 0, 1, 0.5); // 6 at minute 65534
        Assert.That(Lfu.Counter(data, 65_536 * Minute + 2 * Minute, 1), Is.EqualTo(3), "Redis's wrap arithmetic: 65535 - 65534 + 2 = 3 periods");
    }

    [Test]
    public void IncrementsAreLogarithmicAndSaturate()
    {
        long t = 5 * Minute;
        int data = Lfu.Initial(t);
        Assert.That(Lfu.Counter(Lfu.Touch(data, t, 10, 1, 0.99), t, 1), Is.EqualTo(6), "at the initial value every access counts (p = 1)");
        int at15 = 10 << 8 | 15;
        Assert.That(Lfu.Counter(Lfu.Touch(at15, 10 * Minute, 10, 1, 0.0099), 10 * Minute, 1), Is.EqualTo(16), "p = 1/101 at 15: a draw below it counts");
        Assert.That(Lfu.Counter(Lfu.Touch(at15, 10 * Minute, 10, 1, 0.0100), 10 * Minute, 1), Is.EqualTo(15), "a draw above it does not");
        int full = 10 << 8 | 255;
        Assert.That(Lfu.Counter(Lfu.Touch(full, 10 * Minute, 0, 1, 0), 10 * Minute, 1), Is.EqualTo(255));
    }
}
