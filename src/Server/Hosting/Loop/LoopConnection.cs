using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Hosting.Loop;

/// <summary>
/// One connection on an <see cref="EventLoop"/>: the session's duplex pipe. The loop
/// receives into the receive pipe (whose segments are packet buffers) and flushes it,
/// which runs the session inline; the send pump takes what the session flushed and
/// writes it to the socket, at the end of the loop's iteration when the flush came from
/// the loop, at once when it came from another thread, and on EPOLLOUT when the socket
/// was full. The socket closes when the session has completed its output and the pump
/// has sent it (or at once when the session completed it with an error: a killed client).
/// </summary>
internal sealed class LoopConnection : IDuplexPipe, ISendCounter, ISocketTransport, IAbortable, IValueTaskSource
{
    private const int MaxReceivePerEvent = 256 * 1024;
    private const int MaxIoVecs = 32;
    private const int MaxSpares = 4;
    private const int Deferred = 1, Writable = 2;

    private readonly EventLoop _loop;
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly Pipe _receive;
    private readonly Paste.PacketBufferPool? _pbufs; // the receive pipe's pool, when it is packet buffers
    private bool _scatter; // the last read filled what it was given: read the next over spare buffers too
    // Where the last read ended (packet buffer, its taking, offset): the next read goes on
    // there when the pipe has dropped its segment, instead of into a buffer of its own.
    private int _endIndex = -1, _endGeneration, _endOffset;

    /// <summary>A rest shorter than this is not worth a segment (the next read would need another at once).</summary>
    private const int MinTail = 256;
    private readonly Pipe _send;
    private readonly MemoryHandle[] _pins = new MemoryHandle[MaxIoVecs];
    private readonly object _interestLock = new();
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = false };
    private bool _reading = true;
    private bool _inReceive;
    private bool _registered;
    private int _parked; // the pump waits: 0 not, Deferred, or Writable
    private volatile bool _closed;
    private long _bytesSent;

    public Socket Socket => _socket;

    public LoopConnection(EventLoop loop, Socket socket, int fd, ulong token, TransportOptions transport)
    {
        _loop = loop;
        _socket = socket;
        _fd = fd;
        Token = token;
        _receive = new Pipe(transport.ReceiveOptions());
        _pbufs = transport.ReceivePool as Paste.PacketBufferPool;
        _send = new Pipe(transport.SendOptions());
    }

    public ulong Token { get; }
    public PipeReader Input => _receive.Reader;
    public PipeWriter Output => _send.Writer;
    public long BytesSent => Volatile.Read(ref _bytesSent);

    internal bool Register()
    {
        lock (_interestLock) return UpdateInterest();
    }

    internal void Start() => _ = PumpAsync();

    /// <summary>The events epoll reported for this connection (loop thread).</summary>
    internal void OnEvents(uint events)
    {
        if ((events & (Epoll.Out | Epoll.Err | Epoll.Hup)) != 0 && Interlocked.CompareExchange(ref _parked, 0, Writable) == Writable)
        {
            lock (_interestLock) UpdateInterest();
            _signal.SetResult(true); // the pump goes on (and defers its send to the iteration's end)
        }
        if (_reading && !_closed && (events & (Epoll.In | Epoll.Err | Epoll.Hup | Epoll.RdHup)) != 0) Receive();
    }

    /// <summary>
    /// Reads what the socket has into the receive pipe and flushes it: the session runs its
    /// batch inline. A connection whose last read filled the pipe's buffer reads the next
    /// time with one readv over that buffer and up to <see cref="MaxSpares"/> packet buffers
    /// taken ahead, which the pipe then takes as its next segments (a 16 KB pipeline of 1 KB
    /// SETs in one call instead of five; Redis reads 16 KB at a time).
    /// </summary>
    private unsafe void Receive()
    {
        var writer = _receive.Writer;
        int total = 0;
        bool ended = false;
        Exception? error = null;
        var spares = stackalloc int[MaxSpares];
        var iov = stackalloc Epoll.IoVec[1 + MaxSpares];
        while (true)
        {
            var memory = NextMemory(writer);
            int taken = 0;
            if (_scatter && _pbufs != null)
                while (taken < MaxSpares && _pbufs.TryAllocate(out spares[taken])) taken++;
            nint n;
            long capacity = memory.Length;
            fixed (byte* p = memory.Span)
            {
                if (taken == 0) n = Epoll.recv(_fd, p, (nuint)memory.Length, 0);
                else
                {
                    iov[0] = new Epoll.IoVec { Base = p, Length = (nuint)memory.Length };
                    for (int i = 0; i < taken; i++)
                    {
                        fixed (byte* q = _pbufs!.Write(spares[i], 0, _pbufs.BufferSize))
                            iov[1 + i] = new Epoll.IoVec { Base = q, Length = (nuint)_pbufs.BufferSize };
                        capacity += _pbufs.BufferSize;
                    }
                    n = Epoll.readv(_fd, iov, 1 + taken);
                }
            }
            _loop.CountRead();
            int used = 0;
            if (n > 0)
            {
                int inMemory = (int)Math.Min(n, memory.Length);
                writer.Advance(inMemory);
                if (_pbufs != null && _pbufs.TryGetExtent(memory, out var e)) NoteEnd(e.Index, e.Offset + inMemory);
                else _endIndex = -1;
                for (long rest = n - memory.Length; rest > 0; rest -= _pbufs!.BufferSize)
                {
                    int length = (int)Math.Min(rest, _pbufs!.BufferSize);
                    NoteEnd(spares[used], length);
                    HandOver(writer, spares[used++], length);
                }
            }
            for (int i = used; i < taken; i++) _pbufs!.Release(spares[i]);
            if (n > 0)
            {
                total += (int)n;
                _scatter = n > memory.Length || (n == capacity && _pbufs != null);
                if (n < capacity || total >= MaxReceivePerEvent) break;
                continue;
            }
            if (n == 0)
            {
                ended = true;
                break;
            }
            int errno = Epoll.Errno;
            if (errno == Epoll.EIntr) continue;
            if (errno != Epoll.EAgain) error = new SocketException(errno);
            break;
        }
        _inReceive = true;
        try
        {
            if (total > 0)
            {
                var flush = writer.FlushAsync(); // completes at once (receive pipes never pause); runs the session
                if (flush.IsCompleted && flush.Result.IsCompleted) ended = true; // the session is gone
            }
            if (ended || error != null || _closed)
            {
                _reading = false;
                writer.Complete(error);
                if (!_closed) lock (_interestLock) UpdateInterest();
            }
        }
        finally { _inReceive = false; }
    }

    /// <summary>
    /// The pipe's memory for the next read. When the pipe dropped its segment (the session
    /// consumed everything) it would rent a fresh packet buffer, while the last one, kept
    /// by the values stored from it, has room left: lend it that room instead, so that a
    /// request/response client's small writes share buffers as a pipeline's do.
    /// </summary>
    private Memory<byte> NextMemory(PipeWriter writer)
    {
        var pbufs = _pbufs;
        // Not after a read that filled its buffers (a pipeline): the next one scatters over
        // whole buffers, and a rest would only split its frames across two.
        if (pbufs == null || _scatter || _endIndex < 0 || pbufs.BufferSize - _endOffset < MinTail
            || !pbufs.TryRentTailNext(_endIndex, _endGeneration, _endOffset))
            return writer.GetMemory(1);
        var memory = writer.GetMemory(1);
        if (pbufs.CancelRentNext()) pbufs.Release(_endIndex); // the pipe still had room of its own
        return memory;
    }

    /// <summary>Remembers that the last read ended at <paramref name="offset"/> in buffer <paramref name="index"/> (as taken now).</summary>
    private void NoteEnd(int index, int offset)
    {
        _endIndex = index;
        _endGeneration = _pbufs!.Generation(index);
        _endOffset = offset;
    }

    /// <summary>
    /// A spare buffer that the read filled (<paramref name="length"/> bytes from its start)
    /// becomes the pipe's next segment: the pipe rents it when asked for memory after the
    /// previous segment is full. Should the pipe not rent, the bytes are copied instead.
    /// </summary>
    private void HandOver(PipeWriter writer, int index, int length)
    {
        _pbufs!.RentNext(index);
        writer.GetMemory(1);
        if (!_pbufs.CancelRentNext())
        {
            writer.Advance(length);
            return;
        }
        writer.Write(_pbufs.Read(new Paste.PbufExtent(index, 0, length)));
        _pbufs.Release(index);
    }

    /// <summary>Epoll's interest for the socket as the state asks (under the lock): reading, waiting to write, or none.</summary>
    private bool UpdateInterest()
    {
        if (_closed) return false;
        uint events = (_reading ? Epoll.In | Epoll.RdHup : 0) | (Volatile.Read(ref _parked) == Writable ? Epoll.Out : 0);
        if (events == 0)
        {
            // Nothing wanted: out of the set, or a hung-up socket would be reported forever.
            if (_registered) Epoll.Control(_loop.EpollFd, Epoll.CtlDel, _fd, 0, 0);
            _registered = false;
            return true;
        }
        int rc = Epoll.Control(_loop.EpollFd, _registered ? Epoll.CtlMod : Epoll.CtlAdd, _fd, events, Token);
        _registered = rc == 0;
        return rc == 0;
    }

    /// <summary>Sends what the session flushes, until it completes its output or the peer goes.</summary>
    private async Task PumpAsync()
    {
        var reader = _send.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (buffer.IsEmpty)
                {
                    reader.AdvanceTo(buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                    continue;
                }
                if (_loop.Dispatching && _loop.OnLoopThread)
                {
                    _signal.Reset();
                    Volatile.Write(ref _parked, Deferred);
                    _loop.Defer(this);
                    await new ValueTask(this, _signal.Version).ConfigureAwait(false);
                }
                long sent = Send(buffer, out bool failed);
                if (failed || _closed) break; // the peer is gone, or the connection was dropped (Abort)
                reader.AdvanceTo(buffer.GetPosition(sent));
                if (sent < buffer.Length)
                {
                    _signal.Reset();
                    Volatile.Write(ref _parked, Writable);
                    lock (_interestLock) UpdateInterest();
                    await new ValueTask(this, _signal.Version).ConfigureAwait(false);
                    continue;
                }
                if (result.IsCompleted) break;
            }
        }
        catch (IOException)
        {
            // The session completed its output with an error (it was killed): close without sending the rest.
        }
        catch (Exception e)
        {
            // Anything else is a bug: said loudly, and only this connection closes.
            _loop.Logger.LogError(e, "Event loop: unexpected error sending to a client");
        }
        finally
        {
            reader.Complete();
            if (_loop.OnLoopThread) CloseNow();
            else _loop.Post(CloseNow);
        }
    }

    /// <summary>At the end of the loop's iteration: the deferred send goes on.</summary>
    internal void Resume()
    {
        if (Interlocked.CompareExchange(ref _parked, 0, Deferred) == Deferred) _signal.SetResult(true);
    }

    /// <summary>Writes as much of <paramref name="buffer"/> as the socket takes now; <paramref name="failed"/> when the peer is gone.</summary>
    private unsafe long Send(in ReadOnlySequence<byte> buffer, out bool failed)
    {
        failed = false;
        long total = 0;
        var rest = buffer;
        while (!rest.IsEmpty)
        {
            if (_closed)
            {
                failed = true; // never write to a descriptor number that may belong to another connection by now
                break;
            }
            nint n;
            if (rest.IsSingleSegment)
            {
                fixed (byte* p = rest.FirstSpan) n = Epoll.send(_fd, p, (nuint)rest.FirstSpan.Length, Epoll.MsgNoSignal);
            }
            else n = WriteV(rest);
            if (n > 0)
            {
                total += n;
                Volatile.Write(ref _bytesSent, _bytesSent + n);
                rest = rest.Slice(n);
                continue;
            }
            int errno = Epoll.Errno;
            if (n < 0 && errno == Epoll.EIntr) continue;
            if (n < 0 && errno == Epoll.EAgain) break;
            failed = true;
            break;
        }
        return total;
    }

    private unsafe nint WriteV(in ReadOnlySequence<byte> rest)
    {
        Epoll.IoVec* iov = stackalloc Epoll.IoVec[MaxIoVecs];
        int count = 0;
        try
        {
            foreach (var segment in rest)
            {
                if (segment.IsEmpty) continue;
                _pins[count] = segment.Pin();
                iov[count].Base = _pins[count].Pointer;
                iov[count].Length = (nuint)segment.Length;
                if (++count == MaxIoVecs) break;
            }
            return Epoll.writev(_fd, iov, count);
        }
        finally
        {
            for (int i = 0; i < count; i++) _pins[i].Dispose();
        }
    }

    /// <summary>Drops the connection (a killed client): closed on the loop's thread, whatever is unsent.</summary>
    public void Abort()
    {
        if (_loop.OnLoopThread) CloseNow();
        else _loop.Post(CloseNow);
    }

    /// <summary>Closes the socket (loop thread): out of epoll, its slot freed; a session still reading sees the end.</summary>
    internal void CloseNow()
    {
        if (_closed) return;
        lock (_interestLock)
        {
            _closed = true;
            if (_registered) Epoll.Control(_loop.EpollFd, Epoll.CtlDel, _fd, 0, 0);
            _registered = false;
        }
        _loop.Release(this);
        _socket.Dispose();
        if (!_inReceive && _reading)
        {
            _reading = false;
            _receive.Writer.Complete();
        }
        // A pump waiting (to send, or for EPOLLOUT) goes on, finds the socket gone, and ends.
        if (Interlocked.Exchange(ref _parked, 0) != 0) _signal.SetResult(true);
    }

    void IValueTaskSource.GetResult(short token) => _signal.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _signal.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _signal.OnCompleted(continuation, state, token, flags);
}
