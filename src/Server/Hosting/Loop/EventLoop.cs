using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting.Loop;

/// <summary>
/// An event loop of our own, as Redis's ae: one thread waits in epoll, runs every ready
/// connection's read → parse → execute → persist inline, and only when the whole batch of
/// events is done sends the replies (Redis's beforeSleep / handleClientsWithPendingWrites).
/// A client pipelining against many connections is then woken once per loop iteration
/// instead of once per connection, which the runtime's socket engine (it sends as each
/// connection flushes) could not do: every reply that woke the client cost this server a
/// cross-CPU wake-up. Sends from other threads (a publisher's message, a woken blocked
/// client) go out at once on the thread that flushed them; a socket that cannot take more
/// waits for EPOLLOUT here. Connections live in slots named by (slot, generation) tokens,
/// so a stale event for a closed connection is ignored.
/// </summary>
internal sealed unsafe class EventLoop : IDisposable
{
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong ListenerBit = 1UL << 62;
    private const int MaxEvents = 256;

    private readonly RedisServer _server;
    private readonly TransportOptions _transport;
    private readonly ILogger _logger;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly List<LoopConnection> _deferred = [];
    private readonly List<Socket> _listeners = [];
    private LoopConnection?[] _slots = new LoopConnection?[64];
    private uint[] _generations = new uint[64];
    private readonly Stack<int> _freeSlots = new();
    private int _usedSlots;
    private int _threadId;
    private volatile bool _stopping;
    private EventLoop[] _group = [];
    private int _nextInGroup;
    private long _lastAcceptWarning = -1000;
    private long _allocatedBytes;

    /// <summary>
    /// Managed bytes this loop's thread has allocated, as of its last iteration's end (INFO
    /// event_loop_allocated_bytes): the hot path runs on it, so a request that allocates shows here.
    /// </summary>
    public long AllocatedBytes => Volatile.Read(ref _allocatedBytes);

    /// <summary>Socket reads (recv and readv calls) this loop made (INFO event_loop_reads).</summary>
    public long Reads => Volatile.Read(ref _reads);
    private long _reads;

    /// <summary>One more socket read (loop thread).</summary>
    internal void CountRead() => Volatile.Write(ref _reads, _reads + 1);

    private EventLoop(RedisServer server, TransportOptions transport, ILogger logger, int index)
    {
        _server = server;
        _transport = transport;
        _logger = logger;
        _epfd = Epoll.epoll_create1(Epoll.Cloexec);
        if (_epfd < 0) throw new SocketException(Epoll.Errno);
        _wakeFd = Epoll.eventfd(0, Epoll.Cloexec | Epoll.NonBlock);
        if (_wakeFd < 0) throw new SocketException(Epoll.Errno);
        if (Epoll.Control(_epfd, Epoll.CtlAdd, _wakeFd, Epoll.In, WakeToken) < 0) throw new SocketException(Epoll.Errno);
        _thread = new Thread(Run) { Name = "event-loop-" + index, IsBackground = true };
    }

    /// <summary><paramref name="count"/> loops (io-threads); the first accepts and deals connections out in turn.</summary>
    public static EventLoop[] Start(RedisServer server, TransportOptions transport, ILogger logger, int count)
    {
        var loops = new EventLoop[count];
        for (int i = 0; i < count; i++) loops[i] = new EventLoop(server, transport, logger, i);
        foreach (var loop in loops)
        {
            loop._group = loops;
            loop._thread.Start();
        }
        return loops;
    }

    internal int EpollFd => _epfd;
    internal int WakeFd => _wakeFd; // tests: nothing is written to its number once the loop has ended
    internal ILogger Logger => _logger;

    /// <summary>On this loop's thread, while it runs the events of one wait: sends wait for the iteration's end.</summary>
    internal bool Dispatching { get; private set; }

    internal bool OnLoopThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>Listens on <paramref name="endPoint"/> (this loop accepts).</summary>
    public void Listen(EndPoint endPoint, int backlog)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, endPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            socket.Bind(endPoint);
            socket.Listen(backlog);
            socket.Blocking = false;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        RunOnLoop(() =>
        {
            _listeners.Add(socket);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            if (Epoll.Control(_epfd, Epoll.CtlAdd, fd, Epoll.In, ListenerBit | (uint)fd) < 0)
                throw new SocketException(Epoll.Errno);
        });
    }

    /// <summary>
    /// Closes the listeners at the loop's next wake-up: nothing new is accepted (connections
    /// stay). Not waited for: the loop may be running a long command; a connection accepted
    /// meanwhile is refused by the server, which stops registering clients first.
    /// </summary>
    public void StopListening() => Post(() =>
    {
        foreach (var l in _listeners)
        {
            Epoll.Control(_epfd, Epoll.CtlDel, (int)l.SafeHandle.DangerousGetHandle(), 0, 0);
            l.Dispose();
        }
        _listeners.Clear();
    });

    /// <summary>Runs <paramref name="action"/> on the loop's thread and waits for it (rare operations: listen, stop).</summary>
    private void RunOnLoop(Action action)
    {
        if (OnLoopThread || !_thread.IsAlive)
        {
            action();
            return;
        }
        using var done = new ManualResetEventSlim();
        Exception? failed = null;
        Post(() =>
        {
            try { action(); }
            catch (Exception e) { failed = e; }
            finally { done.Set(); }
        });
        if (!done.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("the event loop did not answer");
        if (failed != null) throw failed;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the loop's thread at its next wake-up; once the
    /// loop has ended, never (what it would have closed, the loop's end closed).
    /// </summary>
    internal void Post(Action action)
    {
        lock (_descriptorsLock)
        {
            // After the loop's end its eventfd's number may belong to anything the process
            // opened since (a client's socket: eight bytes written there would be another
            // connection's garbage), so nothing is written to it then.
            if (_descriptorsClosed) return;
            _posted.Enqueue(action);
            ulong one = 1;
            Epoll.write(_wakeFd, &one, sizeof(ulong));
        }
    }

    private readonly object _descriptorsLock = new();
    private bool _descriptorsClosed;

    /// <summary>A connection's replies, flushed during dispatch, go out when the iteration ends.</summary>
    internal void Defer(LoopConnection connection) => _deferred.Add(connection);

    private void Run()
    {
        _threadId = Environment.CurrentManagedThreadId;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Epoll.EventSize));
        try
        {
            while (!_stopping)
            {
                int n = Epoll.epoll_wait(_epfd, events, MaxEvents, -1);
                if (n < 0)
                {
                    if (Epoll.Errno == Epoll.EIntr) continue;
                    _logger.LogCritical("epoll_wait failed: errno {Errno}", Epoll.Errno);
                    break;
                }
                Dispatching = true;
                Persistence.LoopCommit.Dispatch(true);
                for (int i = 0; i < n; i++)
                {
                    ulong token = Epoll.DataAt(events, i);
                    try
                    {
                        if (token == WakeToken) RunPosted();
                        else if ((token & ListenerBit) != 0) Accept((int)(uint)token);
                        else if (Find(token) is { } connection) connection.OnEvents(Epoll.EventsAt(events, i));
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "Event loop: unexpected error handling an event");
                    }
                }
                Dispatching = false;
                Persistence.LoopCommit.Dispatch(false);
                // Redis's beforeSleep: one fence for every write of this iteration, then every reply leaves, together.
                bool durable = true;
                if (Persistence.LoopCommit.TakePending())
                {
                    try { _server.CommitLoopBatches(); }
                    catch (Exception e)
                    {
                        // Nothing held may leave: those connections close unanswered.
                        _logger.LogCritical(e, "Event loop: the log could not be made durable; closing the connections waiting for it");
                        durable = false;
                    }
                }
                for (int i = 0; i < _deferred.Count; i++)
                {
                    try
                    {
                        if (durable) _deferred[i].Resume();
                        else _deferred[i].CloseNow();
                    }
                    catch (Exception e) { _logger.LogError(e, "Event loop: unexpected error sending replies"); }
                }
                _deferred.Clear();
                Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }
        }
        finally
        {
            NativeMemory.Free(events);
            Shutdown();
        }
    }

    private void RunPosted()
    {
        ulong value;
        Epoll.read(_wakeFd, &value, sizeof(ulong));
        while (_posted.TryDequeue(out var action)) action();
    }

    private void Accept(int listenFd)
    {
        while (true)
        {
            int fd = Epoll.accept4(listenFd, null, null, Epoll.NonBlock | Epoll.Cloexec);
            if (fd < 0)
            {
                int errno = Epoll.Errno;
                if (errno == Epoll.EIntr || errno == Epoll.EConnAborted) continue;
                if (errno != Epoll.EAgain && Environment.TickCount64 - _lastAcceptWarning > 1000)
                {
                    // Out of descriptors, say: the listener stays ready and is retried each
                    // iteration, so the warning is given at most once a second.
                    _lastAcceptWarning = Environment.TickCount64;
                    _logger.LogWarning("Error accepting a client connection: {Error}", new SocketException(errno).Message);
                }
                return;
            }
            Interlocked.Increment(ref _server.Stats.ConnectionsReceived);
            var target = _group.Length == 1 ? this : _group[_nextInGroup++ % _group.Length];
            if (target == this) Adopt(fd);
            else target.Post(() => target.Adopt(fd));
        }
    }

    /// <summary>A new connection on this loop: configured, registered, and its session started.</summary>
    private void Adopt(int fd)
    {
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        Socket? socket = null;
        try
        {
            socket = new Socket(handle);
            RespSocketServer.ConfigureSocket(_server, socket);
        }
        catch (Exception e)
        {
            // The peer may be gone already. The descriptor is closed exactly once, by what owns it.
            _logger.LogWarning(e, "Accepting client connection failed");
            if (socket != null) socket.Dispose();
            else handle.Dispose();
            return;
        }
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _usedSlots++;
        if (slot == _slots.Length)
        {
            Array.Resize(ref _slots, slot * 2);
            Array.Resize(ref _generations, slot * 2);
        }
        ulong token = (ulong)++_generations[slot] << 32 | (uint)slot;
        var connection = new LoopConnection(this, socket, fd, token, _transport);
        _slots[slot] = connection;
        if (!connection.Register())
        {
            Release(connection);
            socket.Dispose();
            return;
        }
        connection.Start();
        _ = RespSocketServer.ServeAsync(_server, connection, SafeEndPoint(socket, remote: true), SafeEndPoint(socket, remote: false));
    }

    private static EndPoint? SafeEndPoint(Socket socket, bool remote)
    {
        // A Unix socket's peer has no name: both ends are shown as the socket's path, as Redis shows them.
        try { return remote && socket.AddressFamily != AddressFamily.Unix ? socket.RemoteEndPoint : socket.LocalEndPoint; }
        catch (SocketException) { return null; } // the peer is already gone
    }

    private LoopConnection? Find(ulong token)
    {
        int slot = (int)(uint)token;
        var connection = slot < _slots.Length ? _slots[slot] : null;
        return connection != null && connection.Token == token ? connection : null;
    }

    /// <summary>A closed connection's slot is free again (its token never matches again).</summary>
    internal void Release(LoopConnection connection)
    {
        int slot = (int)(uint)connection.Token;
        if (_slots[slot] != connection) return;
        _slots[slot] = null;
        _freeSlots.Push(slot);
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Post(() => { });
        if (_thread.IsAlive && !OnLoopThread) _thread.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>The loop's end: listeners and connections still open are closed, then the loop's own descriptors.</summary>
    private void Shutdown()
    {
        foreach (var l in _listeners) l.Dispose();
        _listeners.Clear();
        foreach (var c in _slots) c?.CloseNow(); // each marks itself closed: its epoll calls stop before the epoll descriptor goes
        lock (_descriptorsLock)
        {
            _descriptorsClosed = true;
            Epoll.close(_wakeFd);
            Epoll.close(_epfd);
        }
    }
}
