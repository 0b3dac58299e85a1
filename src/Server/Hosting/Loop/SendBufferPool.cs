using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PasteRedis.Server.Hosting.Loop;

/// <summary>
/// The memory send pipes write replies into: 4 KB blocks on the pinned object heap, kept
/// and handed out again last-in first-out (the block just sent is still in cache). The
/// shared array pool allocated an owner object for every segment a pipe rented, so every
/// batch of replies allocated; these owners are the blocks themselves and are reused.
/// Pinned, a block gives writev its address without a GC handle. Blocks beyond
/// <see cref="MaxRetained"/> (replies to clients that read slowly can take many) are left
/// to the collector when returned.
/// </summary>
internal sealed unsafe class SendBufferPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;
    public const int MaxRetained = 16 * 1024; // 64 MB

    public static readonly SendBufferPool Instance = new();

    private readonly Block[] _free = new Block[MaxRetained];
    private int _count;
    private readonly object _lock = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // A pipe asks for more than a block only for one span larger than that: rare, from the shared pool.
        if (minBufferSize > BlockSize) return MemoryPool<byte>.Shared.Rent(minBufferSize);
        lock (_lock)
        {
            if (_count > 0)
            {
                var block = _free[--_count];
                _free[_count] = null!;
                return block;
            }
        }
        return new Block(this);
    }

    private void Return(Block block)
    {
        lock (_lock)
        {
            if (_count < MaxRetained) _free[_count++] = block;
        }
    }

    /// <summary>Blocks held for reuse (tests).</summary>
    internal int Retained
    {
        get { lock (_lock) return _count; }
    }

    protected override void Dispose(bool disposing) { }

    private sealed class Block(SendBufferPool pool) : MemoryManager<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public override Span<byte> GetSpan() => _array;

        public override MemoryHandle Pin(int elementIndex = 0) =>
            new(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), elementIndex)));

        public override void Unpin() { }

        /// <summary>The array behind the block: transports that send from arrays (the runtime's socket engine) need it.</summary>
        protected override bool TryGetArray(out ArraySegment<byte> segment)
        {
            segment = new ArraySegment<byte>(_array);
            return true;
        }

        /// <summary>The pipe is done with the block: back to the pool (the same object is rented again).</summary>
        protected override void Dispose(bool disposing) => pool.Return(this);
    }
}
