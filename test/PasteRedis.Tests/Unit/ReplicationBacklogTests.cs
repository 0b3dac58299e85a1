using PasteRedis.Server.Replication;

namespace PasteRedis.Tests.Unit;

/// <summary>The backlog's ring against a plain copy of the whole stream: what it covers and the bytes it gives back, across wrap-arounds and resizes.</summary>
[TestFixture]
public class ReplicationBacklogTests
{
    [Test]
    public void GivesBackTheStreamsLastBytesFromAnyOffsetItCovers()
    {
        var random = new Random(7);
        var stream = new List<byte>();
        long start = 1000; // the stream's offset when the backlog was made
        var backlog = new ReplicationBacklog(ReplicationBacklog.MinSize, start);
        Assert.That(backlog.Covers(start + 1), Is.True, "an empty backlog covers exactly the next byte");
        Assert.That(backlog.Covers(start), Is.False);
        long history = 0; // what it should hold: a resize keeps the newest bytes that fit, growing brings back nothing
        for (int round = 0; round < 200; round++)
        {
            var bytes = new byte[random.Next(0, round % 50 == 0 ? 40_000 : 3000)];
            random.NextBytes(bytes);
            backlog.Append(bytes);
            stream.AddRange(bytes);
            history = Math.Min(history + bytes.Length, backlog.Size);
            if (round == 100) backlog.Resize(100_000);
            if (round == 150) backlog.Resize(1);
            history = Math.Min(history, backlog.Size);
            long end = start + stream.Count;
            Assert.That(backlog.HistoryLength, Is.EqualTo(history));
            Assert.That(backlog.FirstByteOffset, Is.EqualTo(end - backlog.HistoryLength + 1));
            Assert.That(backlog.Covers(backlog.FirstByteOffset - 1), Is.False);
            Assert.That(backlog.Covers(end + 2), Is.False);
            foreach (long offset in new[] { backlog.FirstByteOffset, end + 1, backlog.FirstByteOffset + random.Next(0, backlog.HistoryLength + 1) })
            {
                Assert.That(backlog.Covers(offset), Is.True);
                var (a, b) = backlog.From(offset);
                var expected = stream.GetRange((int)(offset - start - 1), (int)(end + 1 - offset));
                Assert.That(a.ToArray().Concat(b.ToArray()), Is.EqualTo(expected), $"round {round}, from {offset}");
            }
        }
        Assert.That(backlog.Size, Is.EqualTo(ReplicationBacklog.MinSize), "resized to its floor");
    }
}
