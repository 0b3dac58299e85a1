using System.Text;
using PasteRedis.Paste;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// The table a load indexes plain SETs in (Keyspace/DeferredStrings), over a real pool:
/// keys compared where they lie, the last value of a key wins and the replaced one's
/// references go, growth past the size it was given, tombstones left by lookups, the
/// background walk taking every entry once, and a flush giving every reference back.
/// </summary>
public class DeferredStringsTests
{
    [Test]
    public void IndexesOverwritesTakesAndReleasesEveryReference()
    {
        var path = Path.Combine(Path.GetTempPath(), "pasteredis-deferred-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var region = NvmmRegion.Open(path, 64 * 1024, GranularityRequest.Auto, false, out _);
            var pool = new PacketBufferPool(region, 4096);
            Assert.That(pool.TryAllocate(out int keys), Is.True);
            Assert.That(pool.TryAllocate(out int values), Is.True);
            int baseRefs = pool.RefCount(values);
            // 300 keys "key:N" side by side in one buffer (a second copy of key:7 elsewhere), values one byte each.
            var offsets = new int[300];
            int at = 0;
            for (int i = 0; i < 300; i++)
            {
                var bytes = Encoding.ASCII.GetBytes($"key:{i}");
                bytes.CopyTo(pool.Write(keys, at, bytes.Length));
                offsets[i] = at;
                at += bytes.Length;
            }
            PbufExtent Key(int i) => new(keys, offsets[i], Encoding.ASCII.GetByteCount($"key:{i}"));
            DeferredStrings.Value Val(int i) => new(new PbufExtent(values, i, 1), default);
            int Hash(PbufExtent e) => DeferredStrings.Hash(pool.Read(e));
            "key:7"u8.CopyTo(pool.Write(keys, 4000, 5));
            var key7Again = new PbufExtent(keys, 4000, 5);

            var table = new DeferredStrings(pool, capacity: 4); // 16 slots: grows several times
            for (int i = 0; i < 300; i++) table.Set(Key(i), Hash(Key(i)), Val(i));
            table.Set(key7Again, Hash(key7Again), Val(1000));
            Assert.That(table.Count, Is.EqualTo(300), "the second key:7 is the same key");
            Assert.That(pool.RefCount(values), Is.EqualTo(baseRefs + 300), "the replaced value's reference went");
            Assert.That(pool.LiveBytes(values), Is.EqualTo(300));

            Assert.That(table.TryTake("key:7"u8, out var v7), Is.True);
            Assert.That(v7.First.Offset, Is.EqualTo(1000), "the last value wins");
            Assert.That(table.TryTake("key:7"u8, out _), Is.False, "taken once");
            Assert.That(table.TryTake("key:300"u8, out _), Is.False);
            Assert.That(table.TryTake("key:150"u8, out var v150), Is.True);
            Assert.That(v150.First.Offset, Is.EqualTo(150));
            Assert.That(table.TryTake("key:151"u8, out _), Is.True, "found past a tombstone");
            Assert.That(table.Count, Is.EqualTo(297));

            var seen = new HashSet<string>();
            for (int i = 0; i < 150; i++)
            {
                Assert.That(table.TryTakeNext(out var k, out _), Is.True);
                Assert.That(seen.Add(Encoding.ASCII.GetString(pool.Read(k))), Is.True, "each entry once");
            }
            Assert.That(table.Count, Is.EqualTo(147));
            Assert.That(table.TryTake("key:0"u8, out _) || seen.Contains("key:0"), Is.True);

            int held = table.Count;
            int refsBefore = pool.RefCount(values);
            table.Clear();
            Assert.That(table.Count, Is.Zero);
            Assert.That(pool.RefCount(values), Is.EqualTo(refsBefore - held), "a flush gives back every reference the table held");
            Assert.That(table.TryTakeNext(out _, out _), Is.False, "nothing left to walk");
            Assert.That(table.TryTake("key:299"u8, out _), Is.False);
        }
        finally { File.Delete(path); }
    }
}
