using System.Buffers;
using System.IO.Pipelines;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// The pipes a connection gets. The receive pool is the seam where the PASTE stack puts
/// packet buffers: whatever pool is registered here is the memory the kernel copies
/// received bytes into.
/// </summary>
internal sealed class TransportOptions
{
    public MemoryPool<byte> ReceivePool { get; init; } = MemoryPool<byte>.Shared;
    public int ReceiveSegmentSize { get; init; } = 4096;

    /// <summary>
    /// Receive pipes never pause the socket: a frame larger than any threshold would
    /// deadlock. client-query-buffer-limit bounds them instead. Commands run inline on the
    /// receive thread (run to completion).
    /// </summary>
    public PipeOptions ReceiveOptions() => new(
        pool: ReceivePool,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        resumeWriterThreshold: 0,
        minimumSegmentSize: ReceiveSegmentSize,
        useSynchronizationContext: false);

    /// <summary>
    /// Send pipes pause a writer whose client does not read; that client waits, nobody
    /// else. Their blocks come from <see cref="Loop.SendBufferPool"/>, reused without allocating.
    /// </summary>
    public PipeOptions SendOptions() => new(
        pool: Loop.SendBufferPool.Instance,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1024 * 1024,
        resumeWriterThreshold: 512 * 1024,
        minimumSegmentSize: 4096,
        useSynchronizationContext: false);
}
