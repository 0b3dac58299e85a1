using System.Buffers;
using PasteRedis.Paste;

namespace PasteRedis.Tests.Paste;

public class PacketBufferPoolTests
{
    [Test]
    public void RentTakesAReferenceAndDisposeReturnsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "pasteredis-pool-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var region = NvmmRegion.Open(path, 64 * 1024, GranularityRequest.Auto, false, out _);
            var pool = new PacketBufferPool(region, 4096);
            Assert.That(pool.Count, Is.EqualTo(16));
            var owner = pool.Rent(100);
            Assert.That(pool.FreeCount, Is.EqualTo(15));
            Assert.That(pool.TryGetExtent(owner.Memory[10..20], out var extent), Is.True);
            Assert.That(extent, Is.EqualTo(new PbufExtent(0, 10, 10)), "lowest index first");
            pool.AddRef(extent.Index); // a stored value keeps it
            owner.Dispose();           // the pipe lets go
            Assert.That(pool.FreeCount, Is.EqualTo(15), "still referenced by the value");
            pool.Release(extent.Index);
            Assert.That(pool.FreeCount, Is.EqualTo(16));
            Assert.Throws<InvalidOperationException>(() => pool.Release(extent.Index));
            Assert.That(pool.TryGetExtent(new byte[10], out _), Is.False, "managed memory is not a packet buffer");
            var owners = Enumerable.Range(0, 16).Select(_ => pool.Rent()).ToList();
            var extra = pool.Rent();
            Assert.That(pool.TryGetExtent(extra.Memory, out _), Is.False, "exhausted: ordinary memory");
            Assert.That(pool.FallbackRents, Is.EqualTo(1));
            foreach (var o in owners) o.Dispose();
            Assert.That(pool.FreeCount, Is.EqualTo(16));
        }
        finally { File.Delete(path); }
    }
}
