using System.Buffers;
using System.Runtime.InteropServices;

namespace PasteRedis.Paste;

/// <summary>
/// Cuts the region into fixed-size packet buffers and lends them to receive pipes. Every
/// buffer has a reference count: the pipe holds one while the buffer is a pipe segment,
/// each stored value (and, with the AOF, each log record) that points into it holds one.
/// At zero the buffer goes back on the free list, so a buffer is never reused while any
/// byte in it can still be read. When no buffer is free, receive falls back to ordinary
/// memory (the connection keeps working) and the server refuses writes (-OOM).
/// </summary>
public sealed unsafe class PacketBufferPool : MemoryPool<byte>
{
    private readonly NvmmRegion _region;
    private readonly int[] _refs;
    private readonly int[] _live; // bytes of stored values in each buffer (compaction finds sparse ones)
    private readonly PacketBuffer?[] _buffers;
    private readonly int[] _free;
    private readonly int[] _generations; // times each buffer was taken: a lent tail must be of the same taking
    private int _freeCount;
    private readonly object _freeLock = new();
    private long _fallbackRents;

    public PacketBufferPool(NvmmRegion region, int bufferSize)
    {
        if (bufferSize < 512 || (bufferSize & (NvmmRegion.CacheLineSize - 1)) != 0)
            throw new ArgumentException("packet buffer size must be a multiple of 64 and at least 512", nameof(bufferSize));
        _region = region;
        BufferSize = bufferSize;
        Count = (int)Math.Min(int.MaxValue, region.Length / bufferSize);
        _refs = new int[Count];
        _live = new int[Count];
        _buffers = new PacketBuffer?[Count];
        _free = new int[Count];
        _generations = new int[Count];
        // Lowest indices first: touched memory grows only as far as the load needs.
        for (int i = 0; i < Count; i++) _free[i] = Count - 1 - i;
        // Every buffer's memory manager ahead of its first rent (about 32 bytes each, 8 MB for
        // 1 GB of buffers): receiving then allocates nothing, even while the log, which keeps
        // what it references, walks through buffers never used before. The first ones now
        // (rents take the lowest free indices first), the rest once the server's data is
        // loaded (CreateManagersInBackground). Whoever needs one first creates it; see Buffer.
        int eager = Math.Min(Count, EagerBuffers);
        for (int i = 0; i < eager; i++) _buffers[i] = new PacketBuffer(this, i);
        _freeCount = Count;
    }

    private int _filling;

    /// <summary>
    /// Creates the memory managers of the buffers beyond the first ones on a background
    /// thread (once). The server starts it when its data is loaded: during the start and the
    /// replay that thread took a core from them and from the JIT (4 GB of buffers: 1 M objects,
    /// about 100 ms more until the first reply on two cores).
    /// </summary>
    public void CreateManagersInBackground()
    {
        int eager = Math.Min(Count, EagerBuffers);
        if (Interlocked.Exchange(ref _filling, 1) != 0) return;
        if (eager == Count)
        {
            ManagersComplete = true;
            return;
        }
        new Thread(() =>
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = eager; i < Count; i++)
            {
                Buffer(i);
                if ((i & 4095) == 0) Volatile.Write(ref _deferredManagerBytes, GC.GetAllocatedBytesForCurrentThread() - start);
            }
            Volatile.Write(ref _deferredManagerBytes, GC.GetAllocatedBytesForCurrentThread() - start);
            ManagersComplete = true;
        }) { Name = "pbuf-managers", IsBackground = true, Priority = ThreadPriority.BelowNormal }.Start();
    }

    /// <summary>Every buffer has its memory manager: renting any of them allocates nothing.</summary>
    public bool ManagersComplete { get => Volatile.Read(ref _managersComplete); private set => Volatile.Write(ref _managersComplete, value); }
    private bool _managersComplete;

    /// <summary>
    /// Heap bytes the background filler allocated for memory managers (so far): fixed
    /// structures of the pool, made after the start only to keep the start short, so the
    /// server counts them in its startup memory (Redis's used_memory_startup).
    /// </summary>
    public long DeferredManagerBytes => Volatile.Read(ref _deferredManagerBytes);
    private long _deferredManagerBytes;

    /// <summary>How many buffers get their memory manager in the constructor (64 MB of 4 KB buffers).</summary>
    private const int EagerBuffers = 16384;

    /// <summary>
    /// Buffer <paramref name="index"/>'s memory manager, created by the first to need it
    /// (the background filler, a rent, recovery): one object per buffer, ever, because
    /// <see cref="TryGetExtent"/> recognises a buffer by its identity.
    /// </summary>
    private PacketBuffer Buffer(int index)
    {
        var buffer = Volatile.Read(ref _buffers[index]);
        if (buffer != null) return buffer;
        var created = new PacketBuffer(this, index);
        return Interlocked.CompareExchange(ref _buffers[index], created, null) ?? created;
    }

    public NvmmRegion Region => _region;
    public int BufferSize { get; }
    public int Count { get; }
    public int FreeCount => Volatile.Read(ref _freeCount);
    public int InUseCount => Count - FreeCount;
    /// <summary>Bytes of the buffers in use (taken and not yet returned).</summary>
    public long PinnedBytes => (long)InUseCount * BufferSize;
    public long FallbackRents => Interlocked.Read(ref _fallbackRents);
    public override int MaxBufferSize => BufferSize;

    internal byte* Pointer(int index) => _region.Pointer((long)index * BufferSize);

    public long OffsetOf(int index, int offset) => (long)index * BufferSize + offset;

    /// <summary>A free packet buffer with one reference (the renter's); ordinary memory when none is free.</summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // A lent rest may be shorter than asked: a pipe asks for its minimum segment size (a
        // whole buffer) while it needs only what GetMemory was asked for, and the receive
        // asks for one byte.
        if (t_nextRentPool == this && minBufferSize <= BufferSize)
        {
            t_nextRentPool = null;
            if (t_nextRentOffset == 0) return Buffer(t_nextRentIndex);
            var tail = TakeTail();
            tail.Lend(t_nextRentIndex, t_nextRentOffset);
            return tail;
        }
        if (minBufferSize <= BufferSize && TryTake(out int index))
            return Buffer(index);
        Interlocked.Increment(ref _fallbackRents);
        return MemoryPool<byte>.Shared.Rent(Math.Max(minBufferSize, BufferSize));
    }

    [ThreadStatic] private static PacketBufferPool? t_nextRentPool;
    [ThreadStatic] private static int t_nextRentIndex, t_nextRentOffset;

    /// <summary>
    /// The next <see cref="Rent"/> on this thread returns buffer <paramref name="index"/>,
    /// which the caller took with <see cref="TryAllocate"/> and whose reference passes to the
    /// renter: a receive that scattered one read over buffers taken ahead hands the filled
    /// ones to its pipe this way, in order, without copying a byte.
    /// </summary>
    public void RentNext(int index)
    {
        t_nextRentIndex = index;
        t_nextRentOffset = 0;
        t_nextRentPool = this;
    }

    /// <summary>Withdraws a <see cref="RentNext"/> or <see cref="TryRentTailNext"/> no rent took; true when there was one (the caller still owns its reference).</summary>
    public bool CancelRentNext()
    {
        if (t_nextRentPool != this) return false;
        t_nextRentPool = null;
        return true;
    }

    /// <summary>
    /// The next <see cref="Rent"/> on this thread lends the rest of buffer <paramref name="index"/>
    /// from <paramref name="offset"/> (a <see cref="PacketBufferTail"/>), if the buffer is
    /// still the one taken at <paramref name="generation"/> (<see cref="Generation"/>) and
    /// still held: one that went back to the free list may be someone else's now. On success
    /// the caller owns a new reference, which passes to the renter (or, should no rent take
    /// it, is the caller's to release after <see cref="CancelRentNext"/>).
    /// </summary>
    public bool TryRentTailNext(int index, int generation, int offset)
    {
        if (!LendTails || (uint)index >= (uint)Count || offset <= 0 || offset >= BufferSize) return false;
        while (true)
        {
            int refs = Volatile.Read(ref _refs[index]);
            if (refs <= 0) return false;
            if (Interlocked.CompareExchange(ref _refs[index], refs + 1, refs) == refs) break;
        }
        // Taken again since (freed, then handed out)? Its new owner writes from its start.
        if (Volatile.Read(ref _generations[index]) != generation)
        {
            Release(index);
            return false;
        }
        t_nextRentIndex = index;
        t_nextRentOffset = offset;
        t_nextRentPool = this;
        return true;
    }

    /// <summary>
    /// Whether <see cref="TryRentTailNext"/> lends rests at all: only where something moves
    /// values out of buffers they share (the log's compaction); without it a buffer comes
    /// back only when every value in it is gone, and eviction would have to empty whole
    /// buffers of many small values.
    /// </summary>
    public bool LendTails { get; set; }

    /// <summary>How many times buffer <paramref name="index"/> has been taken from the free list.</summary>
    public int Generation(int index) => Volatile.Read(ref _generations[index]);

    private readonly Stack<PacketBufferTail> _tails = new();

    private PacketBufferTail TakeTail()
    {
        lock (_tails) return _tails.TryPop(out var tail) ? tail : new PacketBufferTail(this);
    }

    internal void ReturnTail(PacketBufferTail tail)
    {
        lock (_tails) _tails.Push(tail);
    }

    /// <summary>Takes a free buffer for fresh writes (log records, relocated values); the caller owns one reference.</summary>
    public bool TryAllocate(out int index) => TryTake(out index);

    private bool TryTake(out int index)
    {
        lock (_freeLock)
        {
            if (_freeCount == 0)
            {
                index = -1;
                return false;
            }
            index = _free[--_freeCount];
            Interlocked.Increment(ref _generations[index]);
        }
        _refs[index] = 1;
        return true;
    }

    public void AddRef(int index) => Interlocked.Increment(ref _refs[index]);

    /// <summary>A stored value's reference: also counts its bytes as live in the buffer.</summary>
    public void AddValueRef(in PbufExtent e)
    {
        Interlocked.Add(ref _live[e.Index], e.Length);
        AddRef(e.Index);
    }

    public void ReleaseValueRef(in PbufExtent e)
    {
        Interlocked.Add(ref _live[e.Index], -e.Length);
        Release(e.Index);
    }

    /// <summary>Bytes of stored values in the buffer: low means compaction should move them out.</summary>
    public int LiveBytes(int index) => Volatile.Read(ref _live[index]);

    /// <summary>Bytes of stored values in all buffers: a pass over one counter per buffer, however many keys there are.</summary>
    public long TotalLiveBytes()
    {
        long total = 0;
        foreach (int bytes in _live) total += bytes;
        return total;
    }

    public void Release(int index) => Release(index, 1);

    /// <summary><paramref name="count"/> references to buffer <paramref name="index"/> at once.</summary>
    public void Release(int index, int count)
    {
        int left = Interlocked.Add(ref _refs[index], -count);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"packet buffer {index} released more often than referenced");
        lock (_freeLock) _free[_freeCount++] = index;
    }

    public int RefCount(int index) => Volatile.Read(ref _refs[index]);

    /// <summary>
    /// About what a compaction could give back: every held buffer no stored value lies in
    /// (only log records or a receive keep it), and the dead part of those less than half
    /// live (a compaction moves their values out). A walk over the counts, not the bytes.
    /// </summary>
    public long ReclaimableBytes()
    {
        long total = 0;
        for (int i = 0; i < Count; i++)
        {
            if (Volatile.Read(ref _refs[i]) <= 0) continue;
            int live = Volatile.Read(ref _live[i]);
            if (live == 0) total += BufferSize;
            else if (live < BufferSize / 2) total += BufferSize - live;
        }
        return total;
    }

    /// <summary>The packet buffer and offset that memory lies in, when it lies in one of ours.</summary>
    public bool TryGetExtent(ReadOnlyMemory<byte> memory, out PbufExtent extent)
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, PacketBuffer>(memory, out var buffer, out int start, out int length)
            && ReferenceEquals(Volatile.Read(ref _buffers[buffer.Index]), buffer))
        {
            extent = new PbufExtent(buffer.Index, start, length);
            return true;
        }
        if (MemoryMarshal.TryGetMemoryManager<byte, PacketBufferTail>(memory, out var tail, out start, out length)
            && tail.Index >= 0 && tail.Owner == this)
        {
            extent = new PbufExtent(tail.Index, tail.Offset + start, length);
            return true;
        }
        extent = default;
        return false;
    }

    /// <summary>The extent as memory of its packet buffer, so that it can be referenced again (recovery).</summary>
    /// <summary>
    /// Asks the CPU to bring the first cache lines of the extent's bytes in, ahead of a read
    /// (recovery applies a record while the next ones arrive: it is bound by memory latency).
    /// </summary>
    public void Prefetch(in PbufExtent e)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || (uint)e.Index >= (uint)Count) return;
        byte* p = Pointer(e.Index) + e.Offset;
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + 64);
    }

    /// <summary>
    /// Every cache line of the extent, the line before it (where a frame's text precedes a
    /// value) and the buffer's counters: for a pass over values long out of the cache, many
    /// keys ahead, so that their misses overlap instead of following one another.
    /// </summary>
    public void PrefetchWhole(in PbufExtent e)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || (uint)e.Index >= (uint)Count) return;
        byte* start = Pointer(e.Index) + e.Offset;
        byte* line = (byte*)((nuint)start & ~(nuint)63);
        if (e.Offset >= 64) line -= 64;
        for (byte* p = line; p < start + e.Length; p += 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
        fixed (int* refs = &_refs[e.Index]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(refs);
        fixed (int* live = &_live[e.Index]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(live);
    }

    public ReadOnlyMemory<byte> Memory(in PbufExtent e) =>
        Buffer(e.Index).Memory.Slice(e.Offset, e.Length);

    /// <summary>
    /// Recovery rebuilds every reference from the log: start with none and nothing free
    /// (no buffer may be handed out until records have been applied; the server calls this
    /// before it listens, and recovery again, harmlessly, when it starts) …
    /// </summary>
    public void BeginRecovery()
    {
        lock (_freeLock)
        {
            Array.Clear(_refs);
            Array.Clear(_live);
            _freeCount = 0;
        }
    }

    /// <summary>… then every buffer nothing references is free.</summary>
    public void EndRecovery()
    {
        lock (_freeLock)
        {
            _freeCount = 0;
            for (int i = Count - 1; i >= 0; i--)
                if (_refs[i] == 0) _free[_freeCount++] = i;
        }
    }

    public ReadOnlySpan<byte> Read(in PbufExtent e) => new(Pointer(e.Index) + e.Offset, e.Length);

    public Span<byte> Write(int index, int offset, int length) => new(Pointer(index) + offset, length);

    protected override void Dispose(bool disposing) { }
}
