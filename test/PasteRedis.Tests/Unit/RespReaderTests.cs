using System.Buffers;
using System.Text;
using PasteRedis.Resp;

namespace PasteRedis.Tests.Unit;

public class RespReaderTests
{
    /// <summary>Splits the bytes into one-byte segments: every boundary is a segment boundary.</summary>
    internal static ReadOnlySequence<byte> Fragmented(byte[] bytes) =>
        PasteRedis.Paste.SegmentChain.Of([.. bytes.Select((_, i) => (ReadOnlyMemory<byte>)bytes.AsMemory(i, 1))]);

    [Test]
    public void ParsesAcrossOneByteSegments()
    {
        var bytes = Encoding.UTF8.GetBytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nPING\r\n");
        var seq = Fragmented(bytes);
        var req = new RespRequest();
        Assert.That(RespReader.TryParse(ref seq, req, RespLimits.Default, true, out _), Is.EqualTo(RespParseStatus.Complete));
        Assert.That(req.Count, Is.EqualTo(3));
        Assert.That(Encoding.UTF8.GetString(req.Arg(0)), Is.EqualTo("SET"));
        Assert.That(Encoding.UTF8.GetString(req.Arg(2)), Is.EqualTo("value"));
        Assert.That(req.ArgSequence(2).IsSingleSegment, Is.False, "the value is still referenced in place");
        Assert.That(RespReader.TryParse(ref seq, req, RespLimits.Default, true, out _), Is.EqualTo(RespParseStatus.Complete));
        Assert.That(Encoding.UTF8.GetString(req.Arg(0)), Is.EqualTo("PING"));
        Assert.That(seq.IsEmpty, Is.True);
    }

    [Test]
    public void EveryPrefixIsIncompleteAndLeavesTheBufferAlone()
    {
        var bytes = Encoding.UTF8.GetBytes("*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n");
        var req = new RespRequest();
        for (int n = 0; n < bytes.Length; n++)
        {
            var seq = new ReadOnlySequence<byte>(bytes, 0, n);
            var status = RespReader.TryParse(ref seq, req, RespLimits.Default, true, out var err);
            Assert.That(status, Is.EqualTo(RespParseStatus.Incomplete), $"prefix {n}: {err}");
            Assert.That(seq.Length, Is.EqualTo(n));
        }
    }

    /// <summary>
    /// Length lines from one byte to past the 64 KB limit: whole buffers (the span path) and
    /// one-byte segments (the SequenceReader path) must agree, line ending present or not yet.
    /// </summary>
    [Test]
    public void LongLengthLinesParseAlikeWholeAndInPieces()
    {
        foreach (int width in new[] { 1, 2, 22, 23, 24, 25, 26, 40, 100, 65536, 65537, 70000 })
            foreach (bool ended in new[] { true, false })
            {
                string line = "$" + new string(' ', Math.Max(0, width - 1)) + "5"; // not a valid number when padded
                string frame = "*1\r\n" + line + (ended ? "\r\nhello\r\n" : "");
                var bytes = Encoding.ASCII.GetBytes(frame);
                var results = new List<string>();
                foreach (var seq0 in new[] { new ReadOnlySequence<byte>(bytes), Fragmented(bytes) })
                {
                    var seq = seq0;
                    var req = new RespRequest();
                    var status = RespReader.TryParse(ref seq, req, RespLimits.Default, true, out var error);
                    results.Add($"{status} {error} {seq.Length}");
                }
                Assert.That(results[0], Is.EqualTo(results[1]), $"width {width}, ended {ended}");
                if (width > RespLimits.InlineMaxSize) Assert.That(results[0], Does.StartWith("Error " + RespReader.ErrTooBigBulkCount));
            }
        var zeros = Encoding.ASCII.GetBytes("*1\r\n$" + new string('0', 30) + "\r\n");
        var whole = new ReadOnlySequence<byte>(zeros);
        Assert.That(RespReader.TryParse(ref whole, new RespRequest(), RespLimits.Default, true, out var e), Is.EqualTo(RespParseStatus.Error));
        Assert.That(e, Is.EqualTo(RespReader.ErrInvalidBulkLength));
    }

    [TestCase("0", true, 0L)]
    [TestCase("-1", true, -1L)]
    [TestCase("9223372036854775807", true, long.MaxValue)]
    [TestCase("-9223372036854775808", true, long.MinValue)]
    [TestCase("9223372036854775808", false, 0L)]
    [TestCase("01", false, 0L)]
    [TestCase("-0", false, 0L)]
    [TestCase("+1", false, 0L)]
    [TestCase(" 1", false, 0L)]
    [TestCase("", false, 0L)]
    [TestCase("-", false, 0L)]
    public void StrictIntegersLikeString2ll(string text, bool ok, long value)
    {
        Assert.That(RespNumber.TryParseInt64(Encoding.ASCII.GetBytes(text), out var v), Is.EqualTo(ok));
        if (ok) Assert.That(v, Is.EqualTo(value));
    }
}
