using System.Buffers;
using System.Text;
using PasteRedis.Aof;
using PasteRedis.Paste;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// A write the server executed must be logged whenever the log has room. With every packet
/// buffer taken (a full region: the frame itself arrived in ordinary memory), a received
/// command could not be copied into log-owned buffers and the append failed after the
/// command had run: acknowledged, never logged (INFO aof_last_write_status:err in a
/// redis-benchmark run at 512 MB). Such a command, and every command the server composes,
/// now goes inline in the record; recovery replays it from the log itself.
/// </summary>
public class InlineRecordTests
{
    [TestCase(AofMode.Reference)]
    [TestCase(AofMode.Copy)]
    public void WithNoPacketBufferFreeCommandsAreLoggedInlineAndReplayed(AofMode mode)
    {
        var dir = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "pasteredis-inline-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string pbufs = Path.Combine(dir, "pbufs.pmem"), aof = Path.Combine(dir, "aof.pmem");
            var sent = new List<string>
            {
                "*2\r\n$3\r\nDEL\r\n$2\r\nk0\r\n",
                "*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$" + 9000 + "\r\n" + new string('e', 9000) + "\r\n",
            };
            const string composed = "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nl\r\n$13\r\n1999999999999\r\n";
            using (var region = NvmmRegion.Open(pbufs, 64 * 1024, GranularityRequest.Auto, true, out _))
            {
                var pool = new PacketBufferPool(region, 4096);
                var fresh = new FreshBuffers(pool);
                using var log = AppendOnlyLog.Open(aof, 1 << 20, pool, fresh, mode, GranularityRequest.Auto, true);
                while (pool.TryAllocate(out _)) { }
                Assert.That(pool.FreeCount, Is.Zero);
                foreach (var command in sent)
                    Assert.That(log.TryAppend(0, Sequence(command)), Is.True, "logged with no buffer free");
                Assert.That(log.TryAppendComposed(3, Encoding.ASCII.GetBytes(composed)), Is.True);
                log.Commit();
                Assert.That(log.InlineRecords, Is.EqualTo(3));
            }
            sent.Add(composed);
            var replayed = new List<(int Db, string Command)>();
            using (var region = NvmmRegion.Open(pbufs, 64 * 1024, GranularityRequest.Auto, true, out _))
            {
                var pool = new PacketBufferPool(region, 4096);
                using var log = AppendOnlyLog.Open(aof, 1 << 20, pool, new FreshBuffers(pool), mode, GranularityRequest.Auto, true);
                pool.BeginRecovery();
                var result = log.Recover((db, command) => replayed.Add((db, Encoding.ASCII.GetString(command.ToArray()))));
                pool.EndRecovery();
                Assert.That(result.Truncated, Is.False, result.StoppedBecause);
                Assert.That(pool.FreeCount, Is.EqualTo(pool.Count), "inline records reference no buffer");
            }
            Assert.That(replayed.Select(r => r.Command), Is.EqualTo(sent));
            Assert.That(replayed.Select(r => r.Db), Is.EqualTo(new[] { 0, 0, 3 }));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A command as a frame arrives in ordinary memory (not a packet buffer), in two segments.</summary>
    private static ReadOnlySequence<byte> Sequence(string command)
    {
        var bytes = Encoding.ASCII.GetBytes(command);
        return SegmentChain.Of(bytes.AsMemory(0, bytes.Length / 2), bytes.AsMemory(bytes.Length / 2));
    }
}
