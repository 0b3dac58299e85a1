using System.Buffers;

namespace PasteRedis.Paste;

/// <summary>
/// One packet buffer: a fixed-size slice of the NVMM region, named by its index. It is
/// the memory a receive pipe segment wraps, so the kernel's copy from the socket lands
/// in the region. The same instance is handed out every time its index is rented; the
/// pipe's Dispose drops the pipe's reference, not the buffer.
/// </summary>
public sealed unsafe class PacketBuffer : MemoryManager<byte>
{
    private readonly PacketBufferPool _pool;

    internal PacketBuffer(PacketBufferPool pool, int index)
    {
        _pool = pool;
        Index = index;
    }

    public int Index { get; }

    public override Span<byte> GetSpan() => new(_pool.Pointer(Index), _pool.BufferSize);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pool.Pointer(Index) + elementIndex);

    public override void Unpin() { }

    /// <summary>The receive pipe returned its segment: drop the pipe's reference.</summary>
    protected override void Dispose(bool disposing) => _pool.Release(Index);
}

/// <summary>A place in the region: packet buffer index, offset in it, length.</summary>
public readonly record struct PbufExtent(int Index, int Offset, int Length);

/// <summary>
/// The unused end of a packet buffer a connection received into, lent again as a receive
/// segment: a pipe drops its segment once everything in it is consumed, and without this
/// the next request of a request/response client would take a whole new buffer while the
/// values stored from the last one keep the old buffer (a 64-byte SET then pinned 4 KB).
/// Instances are pooled: the pipe's Dispose drops its reference and hands the instance back,
/// and values keep extents, never this memory, so nothing reads through it afterwards.
/// </summary>
public sealed unsafe class PacketBufferTail : MemoryManager<byte>
{
    private readonly PacketBufferPool _pool;

    internal PacketBufferTail(PacketBufferPool pool) => _pool = pool;

    internal PacketBufferPool Owner => _pool;

    public int Index { get; private set; } = -1;
    public int Offset { get; private set; }

    internal void Lend(int index, int offset)
    {
        Index = index;
        Offset = offset;
    }

    public override Span<byte> GetSpan() => new(_pool.Pointer(Index) + Offset, _pool.BufferSize - Offset);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pool.Pointer(Index) + Offset + elementIndex);

    public override void Unpin() { }

    /// <summary>The receive pipe returned its segment: drop the pipe's reference; the instance can be lent again.</summary>
    protected override void Dispose(bool disposing)
    {
        int index = Index;
        if (index < 0) return; // not lent (a second Dispose)
        Index = -1;
        _pool.Release(index);
        _pool.ReturnTail(this);
    }
}
