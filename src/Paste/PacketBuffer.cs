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
