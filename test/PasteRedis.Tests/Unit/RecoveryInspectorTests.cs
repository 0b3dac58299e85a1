using System.Buffers;
using System.Text;
using PasteRedis.Aof;
using PasteRedis.Paste;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// Recovery with an inspector (the loader's SET recognition, moved onto the validating
/// thread): noted records reach the noted apply and the rest the plain apply, in the log's
/// order; a noted record whose noted apply declines is applied as its command; every
/// record referencing a buffer takes its reference either way.
/// </summary>
public class RecoveryInspectorTests
{
    private readonly record struct Note(string Command);

    [Test]
    public void NotedAndPlainRecordsAreAppliedInLogOrderWithTheirReferences()
    {
        var dir = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "pasteredis-inspect-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string pbufs = Path.Combine(dir, "pbufs.pmem"), aof = Path.Combine(dir, "aof.pmem");
            // 5 000 records (more than one validated chunk), in groups of one and of three.
            var sent = new List<string>();
            for (int i = 0; i < 5000; i++)
                sent.Add(i % 3 == 0 ? $"*3\r\n$3\r\nSET\r\n$5\r\nk{i:D4}\r\n$2\r\nv{i % 10}\r\n" : $"*2\r\n$4\r\nINCR\r\n$5\r\nn{i:D4}\r\n");
            var recordsInBuffer = new Dictionary<int, int>(); // buffer -> records whose command lies in it
            using (var region = NvmmRegion.Open(pbufs, 1 << 20, GranularityRequest.Auto, true, out _))
            {
                var pool = new PacketBufferPool(region, 4096);
                using var log = AppendOnlyLog.Open(aof, 4 << 20, pool, new FreshBuffers(pool), AofMode.Reference, GranularityRequest.Auto, true);
                int buffer = -1, at = 4096;
                for (int i = 0; i < sent.Count; i++)
                {
                    var bytes = Encoding.ASCII.GetBytes(sent[i]);
                    if (at + bytes.Length > 4096)
                    {
                        Assert.That(pool.TryAllocate(out buffer), Is.True);
                        at = 0;
                    }
                    bytes.CopyTo(pool.Write(buffer, at, bytes.Length));
                    var command = new ReadOnlySequence<byte>(pool.Memory(new PbufExtent(buffer, at, bytes.Length)));
                    at += bytes.Length;
                    recordsInBuffer[buffer] = recordsInBuffer.GetValueOrDefault(buffer) + 1;
                    var flags = i % 7 is 1 or 2 && i < sent.Count - 1 ? RecordFlags.GroupContinues : RecordFlags.None;
                    Assert.That(log.TryAppend(i % 4, command, flags), Is.True);
                }
                log.Commit();
            }
            var applied = new List<(int Db, string Command, bool Noted)>();
            using (var region = NvmmRegion.Open(pbufs, 1 << 20, GranularityRequest.Auto, true, out _))
            {
                var pool = new PacketBufferPool(region, 4096);
                using var log = AppendOnlyLog.Open(aof, 4 << 20, pool, new FreshBuffers(pool), AofMode.Reference, GranularityRequest.Auto, true);
                pool.BeginRecovery();
                int validator = -1;
                var result = log.Recover<Note>(
                    (db, command) => applied.Add((db, Encoding.ASCII.GetString(command.ToArray()), false)),
                    (int db, in ReadOnlySequence<byte> command, out Note note) =>
                    {
                        validator = Environment.CurrentManagedThreadId;
                        var text = Encoding.ASCII.GetString(command.ToArray());
                        note = new Note(text);
                        return text.Contains("SET");
                    },
                    (int db, in Note note) =>
                    {
                        // Those with an even value are declined: they must come back as their commands.
                        if (note.Command[^3] % 2 == 0) return false;
                        applied.Add((db, note.Command, true));
                        return true;
                    });
                pool.EndRecovery();
                Assert.That(result.Truncated, Is.False, result.StoppedBecause);
                Assert.That(result.Records, Is.EqualTo(sent.Count));
                Assert.That(validator, Is.Not.EqualTo(Environment.CurrentManagedThreadId), "the inspector runs on the validating thread");
                // Every record holds its buffer once, noted or not (no value holds one here).
                Assert.That(recordsInBuffer.ToDictionary(b => b.Key, b => pool.RefCount(b.Key)), Is.EqualTo(recordsInBuffer),
                    "each record's reference to its buffer is taken again");
                Assert.That(pool.InUseCount, Is.EqualTo(recordsInBuffer.Count));
            }
            Assert.That(applied.Select(a => a.Command), Is.EqualTo(sent), "every record once, in the log's order");
            Assert.That(applied.Select(a => a.Db), Is.EqualTo(sent.Select((_, i) => i % 4)));
            Assert.That(applied.Count(a => a.Noted), Is.GreaterThan(0));
            Assert.That(applied.Where(a => a.Noted).All(a => a.Command.Contains("SET")), Is.True);
            Assert.That(applied.Count(a => !a.Noted && a.Command.Contains("SET")), Is.GreaterThan(0), "declined notes were applied as commands");
        }
        finally { Directory.Delete(dir, true); }
    }
}
