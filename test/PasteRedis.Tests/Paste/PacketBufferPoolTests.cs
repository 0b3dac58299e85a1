using System.Buffers;
using System.Runtime.InteropServices;
using PasteRedis.Paste;

namespace PasteRedis.Tests.Paste;

public class PacketBufferPoolTests
{
    /// <summary>A pool of 16 buffers of 4 KB over a fresh region file, removed after.</summary>
    private static void WithPool(Action<PacketBufferPool> test, long regionBytes = 64 * 1024, int bufferSize = 4096)
    {
        var path = Path.Combine(Path.GetTempPath(), "pasteredis-pool-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var region = NvmmRegion.Open(path, regionBytes, GranularityRequest.Auto, false, out _);
            test(new PacketBufferPool(region, bufferSize));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void MemoryManagersBeyondTheFirstBuffersAreMadeInTheBackgroundOnlyWhenAsked()
    {
        // 20 000 buffers of 512 B: the first 16 384 get their manager with the pool, the rest
        // once the server asks (when its data is loaded), or one by one by whoever needs one first.
        WithPool(pool =>
        {
            for (int i = 0; i < 16_384; i++) Assert.That(pool.TryAllocate(out _), Is.True);
            Thread.Sleep(200);
            Assert.That(pool.ManagersComplete, Is.False, "no thread of its own before it is asked");
            Assert.That(pool.DeferredManagerBytes, Is.Zero);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var first = pool.Rent();
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.GreaterThan(0), "made on demand");
            Assert.That(pool.TryGetExtent(first.Memory, out var e) ? e.Index : -1, Is.EqualTo(16_384));
            pool.CreateManagersInBackground();
            Tools.WaitFor(() => pool.ManagersComplete, "the background thread to create every manager");
            // 3 615 managers made by the filler (one was made on demand): counted as the
            // server's startup memory, at least the objects' headers and fields each.
            Assert.That(pool.DeferredManagerBytes, Is.GreaterThanOrEqualTo(3_615L * 24).And.LessThan(3_615L * 256));
            var rest = new IMemoryOwner<byte>[pool.Count - 16_385];
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rest.Length; i++) rest[i] = pool.Rent();
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "renting any buffer allocates nothing now");
            Assert.That(pool.FreeCount, Is.Zero);
            Assert.That(rest.Select(o => pool.TryGetExtent(o.Memory, out var x) ? x.Index : -1).Distinct().Count(), Is.EqualTo(rest.Length));
        }, regionBytes: 20_000 * 512, bufferSize: 512);
    }

    /// <summary>
    /// The rest of a buffer a read ended in is lent (as a receive pipe's next segment) only
    /// while the buffer is the one taken then and still held: once it went back to the free
    /// list, or was freed and taken by someone else (who writes from its start), never.
    /// The lent rest takes a reference of its own and maps back to the buffer's offsets.
    /// </summary>
    [Test]
    public void TheRestOfABufferIsLentOnlyWhileItIsStillTheSameTaking()
    {
        WithPool(pool =>
        {
            pool.LendTails = true;
            var first = pool.Rent();
            Assert.That(pool.TryGetExtent(first.Memory, out var e), Is.True);
            int generation = pool.Generation(e.Index);
            pool.AddRef(e.Index); // a stored value keeps it
            first.Dispose();      // the pipe dropped its segment

            Assert.That(pool.TryRentTailNext(e.Index, generation, 1000), Is.True);
            var tail = pool.Rent();
            Assert.That(tail.Memory.Length, Is.EqualTo(4096 - 1000));
            Assert.That(pool.RefCount(e.Index), Is.EqualTo(2), "the value's and the lent rest's");
            Assert.That(pool.TryGetExtent(tail.Memory[10..20], out var t), Is.True);
            Assert.That(t, Is.EqualTo(new PbufExtent(e.Index, 1010, 10)));
            tail.Memory.Span[0] = 42;
            Assert.That(pool.Read(new PbufExtent(e.Index, 1000, 1))[0], Is.EqualTo(42), "the same bytes");
            tail.Dispose();
            Assert.That(pool.RefCount(e.Index), Is.EqualTo(1));
            Assert.That(pool.TryGetExtent(tail.Memory, out _), Is.False, "a returned rest maps to no buffer");

            // Not taken: the lend is withdrawn and the caller releases the reference it got.
            Assert.That(pool.TryRentTailNext(e.Index, generation, 2000), Is.True);
            Assert.That(pool.CancelRentNext(), Is.True);
            pool.Release(e.Index);
            Assert.That(pool.RefCount(e.Index), Is.EqualTo(1));

            // Freed: nothing to lend.
            pool.Release(e.Index);
            Assert.That(pool.TryRentTailNext(e.Index, generation, 1000), Is.False);
            // Freed and taken again by someone else: not lent either.
            var again = pool.Rent();
            Assert.That(pool.TryGetExtent(again.Memory, out var a) ? a.Index : -1, Is.EqualTo(e.Index), "the free list hands the same buffer out again");
            Assert.That(pool.TryRentTailNext(e.Index, generation, 1000), Is.False);
            Assert.That(pool.RefCount(e.Index), Is.EqualTo(1), "the failed attempt left no reference behind");
            Assert.That(pool.TryRentTailNext(e.Index, pool.Generation(e.Index), 1000), Is.True, "the new taking's own rest");
            Assert.That(pool.CancelRentNext(), Is.True);
            pool.Release(e.Index);
            pool.LendTails = false;
            Assert.That(pool.TryRentTailNext(e.Index, pool.Generation(e.Index), 1000), Is.False, "not lent where nothing moves values out of shared buffers");
        });
    }

    [Test]
    public void RentTakesAReferenceAndDisposeReturnsIt()
    {
        WithPool(pool =>
        {
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
        });
    }

    /// <summary>
    /// A buffer taken ahead and filled by a scattered read goes to the pipe's next rent, with
    /// its reference; only on this thread, only once, and withdrawn when no rent took it.
    /// </summary>
    [Test]
    public void RentNextHandsATakenBufferToTheNextRentOnThisThread()
    {
        WithPool(pool =>
        {
            Assert.That(pool.TryAllocate(out int first), Is.True);
            Assert.That(pool.TryAllocate(out int taken), Is.True);
            pool.Write(taken, 0, 3).Fill((byte)'x');
            pool.RentNext(taken);
            IMemoryOwner<byte>? other = null;
            var thread = new Thread(() => other = pool.Rent());
            thread.Start();
            thread.Join();
            Assert.That(pool.TryGetExtent(other!.Memory, out var e) && e.Index != taken, Is.True, "another thread's rent takes a free buffer");
            var owner = pool.Rent();
            Assert.That(pool.TryGetExtent(owner.Memory, out e) && e.Index == taken, Is.True, "this thread's next rent is the handed-over buffer");
            Assert.That(owner.Memory.Span[..3].ToArray(), Is.EqualTo("xxx"u8.ToArray()), "with what was read into it");
            Assert.That(pool.RefCount(taken), Is.EqualTo(1), "the taker's reference passed to the renter, none added");
            Assert.That(pool.CancelRentNext(), Is.False, "taken: nothing to withdraw");
            var next = pool.Rent();
            Assert.That(pool.TryGetExtent(next.Memory, out e) && e.Index != taken, Is.True, "once only");
            pool.RentNext(first);
            Assert.That(pool.CancelRentNext(), Is.True, "not taken: withdrawn");
            var after = pool.Rent();
            Assert.That(pool.TryGetExtent(after.Memory, out e) && e.Index != first, Is.True, "a withdrawn hand-over is not taken later");
            foreach (var o in new[] { other!, owner, next, after }) o.Dispose();
            pool.Release(first);
            Assert.That(pool.FreeCount, Is.EqualTo(16));
        });
    }

    /// <summary>
    /// A large pool creates most buffers' memory managers after its constructor (a background
    /// thread, or whoever needs one first). Two threads asking for every buffer while the
    /// filler runs get, for each, the same manager, and the pool recognises its memory as that
    /// buffer's (a manager created but not kept, or replaced later, fails this; creation is a
    /// compare-exchange, so even a race between creators keeps one).
    /// </summary>
    [Test]
    public void EveryBufferHasOneMemoryManagerWhoeverCreatesIt()
    {
        WithPool(pool =>
        {
            Assert.That(pool.Count, Is.EqualTo(65536));
            var seen = new ReadOnlyMemory<byte>[2][];
            using var start = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
            {
                var mine = seen[t] = new ReadOnlyMemory<byte>[pool.Count];
                start.SignalAndWait();
                for (int i = pool.Count - 1; i >= 0; i--) mine[i] = pool.Memory(new PbufExtent(i, 0, 8));
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            int mismatched = 0, unrecognised = 0;
            for (int i = 0; i < pool.Count; i++)
            {
                MemoryMarshal.TryGetMemoryManager<byte, PacketBuffer>(seen[0][i], out var a);
                MemoryMarshal.TryGetMemoryManager<byte, PacketBuffer>(seen[1][i], out var b);
                if (!ReferenceEquals(a, b)) mismatched++;
                if (!pool.TryGetExtent(seen[0][i], out var e) || e.Index != i || !pool.TryGetExtent(seen[1][i], out e) || e.Index != i) unrecognised++;
            }
            Assert.That((mismatched, unrecognised), Is.EqualTo((0, 0)), "buffers with two managers; memory the pool did not recognise");
        }, regionBytes: 65536L * 512, bufferSize: 512);
    }
}
