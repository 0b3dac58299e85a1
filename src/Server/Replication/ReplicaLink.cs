using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Replication;

/// <summary>
/// The replica side of Redis replication (REPLICAOF host port): a thread of its own keeps a
/// link to the master: PING, AUTH with masteruser/masterauth when set, REPLCONF, PSYNC; the
/// full resynchronization's RDB file replaces the data (FLUSHALL, then the file's keys as
/// commands), and then every command of the stream is executed as the master sent it,
/// under the execution lock and logged like any write, with REPLCONF ACK of the offset
/// applied after each chunk. A lost link is made again every second and first asks to
/// continue the stream from the offset applied (PSYNC replid offset+1, Redis's cached
/// master); a master that cannot (+FULLRESYNC) sends everything again. Nothing from the
/// master is answered.
/// </summary>
internal sealed class ReplicaLink : IDisposable
{
    private readonly RedisServer _server;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private Socket? _socket;

    /// <param name="resume">Where the last clean shutdown left this server's copy of that master (the first link asks to continue from there).</param>
    public ReplicaLink(RedisServer server, string host, int port, ILogger logger, ReplicationResume.State? resume = null)
    {
        _server = server;
        _logger = logger;
        Host = host;
        Port = port;
        if (resume != null)
        {
            MasterReplId = resume.ReplId;
            Offset = resume.Offset;
            _session = ClientSession.ForImport(server);
            _session.Select(resume.Db);
        }
        _thread = new Thread(Run) { Name = "replica-link", IsBackground = true };
        _thread.Start();
    }

    public string Host { get; }
    public int Port { get; }
    /// <summary>ROLE's state: connect, connecting, sync, connected.</summary>
    public string State { get; private set; } = "connect";
    public bool Up => State == "connected";
    /// <summary>The master's stream applied so far (slave_repl_offset).</summary>
    public long Offset { get; private set; }
    public string MasterReplId { get; private set; } = new('0', 40);
    public long LastIoMs { get; private set; } = RedisServer.NowMs();
    /// <summary>When a link that was up was lost (master_link_down_since_seconds); null when it never was up.</summary>
    public long? DownSinceMs { get; private set; }
    /// <summary>The session that applies the master's stream, kept across a lost link so that the next one can continue it.</summary>
    private ClientSession? _session;

    private void Run()
    {
        while (!_stopped)
        {
            try { Follow(); }
            catch (Exception e) when (e is SocketException or IOException or FormatException or ObjectDisposedException or InvalidOperationException)
            {
                if (!_stopped) _logger.LogWarning("Replication link to {Host}:{Port} lost: {Error}", Host, Port, e.Message);
            }
            finally
            {
                _socket?.Dispose();
                _socket = null;
                if (Up) DownSinceMs = RedisServer.NowMs();
                State = "connect";
            }
            for (int i = 0; i < 10 && !_stopped; i++) Thread.Sleep(100);
        }
    }

    private void Follow()
    {
        State = "connecting";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 60_000, SendTimeout = 60_000 };
        _socket = socket;
        socket.Connect(Host, Port);
        if (_stopped) return;
        var reader = new LineReader(socket);
        var config = _server.Config;
        if (config.Get("masterauth") is { Length: > 0 } password)
        {
            var user = config.Get("masteruser");
            Expect(socket, reader, user.Length > 0 ? ["AUTH", user, password] : ["AUTH", password], "+OK");
        }
        Expect(socket, reader, ["PING"], "+PONG");
        // replica-announce-port / replica-announce-ip: what the master lists (INFO, ROLE) instead of what it sees (NAT, containers).
        long announcedPort = config.Long("replica-announce-port");
        Expect(socket, reader, ["REPLCONF", "listening-port", (announcedPort != 0 ? announcedPort : _server.TcpPort).ToString(CultureInfo.InvariantCulture)], "+OK");
        if (config.Get("replica-announce-ip") is { Length: > 0 } announcedIp) Expect(socket, reader, ["REPLCONF", "ip-address", announcedIp], "+OK");
        Expect(socket, reader, ["REPLCONF", "capa", "psync2"], "+OK");
        // A link that was streaming asks to continue where it stopped (Redis's cached master),
        // unless it stopped inside a transaction: the offset counts the MULTI and the commands
        // queued after it, which a new connection could not complete.
        var cached = _session;
        bool tryContinue = cached is { InMulti: false };
        ClientSession session;
        Send(socket, tryContinue ? ["PSYNC", MasterReplId, (Offset + 1).ToString(CultureInfo.InvariantCulture)] : ["PSYNC", "?", "-1"]);
        State = "sync";
        var line = reader.Line(skipKeepAlives: true);
        var parts = line.Split(' ');
        if (tryContinue && parts[0] == "+CONTINUE")
        {
            session = cached!;
            lock (_server.ExecLock)
            {
                if (_stopped) return;
                if (parts.Length > 1) MasterReplId = parts[1];
            }
            _logger.LogInformation("MASTER <-> REPLICA partial resynchronization with {Host}:{Port} accepted: continuing from offset {Offset}", Host, Port, Offset + 1);
        }
        else
        {
            if (parts.Length != 3 || parts[0] != "+FULLRESYNC" || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out long offset))
                throw new FormatException($"the master answered PSYNC with '{line}'");
            var header = reader.Line(skipKeepAlives: true);
            if (header.Length < 2 || header[0] != '$' || !int.TryParse(header.AsSpan(1), CultureInfo.InvariantCulture, out int length))
                throw new FormatException($"the master sent '{header}' where the RDB payload's length belongs");
            var rdb = reader.Bytes(length);
            var commands = Persistence.RdbValue.RdbToCommands(rdb, RedisServer.NowMs(), verifyChecksum: true, out _, out long keys);
            session = ClientSession.ForImport(_server);
            lock (_server.ExecLock)
            {
                if (_stopped) return;
                _session = null;
                session.Apply(new ReadOnlySequence<byte>("*1\r\n$8\r\nFLUSHALL\r\n"u8.ToArray()), null);
                session.Apply(new ReadOnlySequence<byte>(commands), null);
                session.Select(0);
                MasterReplId = parts[1];
                Offset = offset;
            }
            _logger.LogInformation("MASTER <-> REPLICA sync with {Host}:{Port}: {Keys} keys loaded, streaming from offset {Offset}", Host, Port, keys, offset);
        }
        _session = session;
        State = "connected";
        LastIoMs = RedisServer.NowMs();
        Send(socket, ["REPLCONF", "ACK", Offset.ToString(CultureInfo.InvariantCulture)]);

        // The stream: whatever complete commands arrived, applied in order; the rest waits for more.
        var pending = reader.TakeRest();
        var buffer = new byte[64 * 1024];
        long lastAckMs = 0;
        while (!_stopped)
        {
            if (pending.Length > 0)
            {
                long consumed;
                lock (_server.ExecLock)
                {
                    if (_stopped) return;
                    consumed = session.Apply(new ReadOnlySequence<byte>(pending), null);
                    Offset += consumed;
                }
                pending = pending[(int)consumed..];
                long now = RedisServer.NowMs();
                if (consumed > 0 || now - lastAckMs >= 1000)
                {
                    Send(socket, ["REPLCONF", "ACK", Offset.ToString(CultureInfo.InvariantCulture)]);
                    lastAckMs = now;
                }
            }
            socket.ReceiveTimeout = 1000; // wakes every second for the ACK Redis replicas send
            int n;
            try { n = socket.Receive(buffer); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                long timeout = long.Parse(_server.Config.Get("repl-timeout"), CultureInfo.InvariantCulture);
                if (RedisServer.NowMs() - LastIoMs > timeout * 1000) throw new IOException($"no data from the master for {timeout} seconds (repl-timeout)");
                Send(socket, ["REPLCONF", "ACK", Offset.ToString(CultureInfo.InvariantCulture)]);
                lastAckMs = RedisServer.NowMs();
                continue;
            }
            if (n == 0) throw new IOException("the master closed the connection");
            LastIoMs = RedisServer.NowMs();
            pending = [.. pending, .. buffer.AsSpan(0, n)];
        }
    }

    private void Expect(Socket socket, LineReader reader, string[] command, string expected)
    {
        Send(socket, command);
        var reply = reader.Line(skipKeepAlives: false);
        if (!reply.StartsWith(expected, StringComparison.Ordinal))
            throw new InvalidOperationException($"the master answered {command[0]} with '{reply}'");
    }

    private readonly Persistence.ComposedCommand _command = new();

    private void Send(Socket socket, string[] command)
    {
        _command.Clear();
        _command.Begin(command.Length);
        foreach (var arg in command) _command.Append(Encoding.UTF8.GetBytes(arg));
        _command.End();
        socket.Send(_command.All);
    }

    /// <summary>
    /// Where this copy of the master stands, for the next start (under the execution lock,
    /// after <see cref="Dispose"/>: nothing more is applied): null before a first
    /// synchronization (no session yet), or inside a MULTI the stream began.
    /// </summary>
    public ReplicationResume.State? ResumePoint() =>
        _session is { InMulti: false } session
            ? new ReplicationResume.State($"replica {Host} {Port}", MasterReplId, Offset, session.Db.Id) : null;

    /// <summary>
    /// REPLICAOF NO ONE (or another master), shutdown: the link's thread ends; applied data
    /// stays. Not waited for (the caller may hold the execution lock the thread needs): the
    /// thread applies nothing more once stopped, as it checks under that lock.
    /// </summary>
    public void Dispose()
    {
        _stopped = true;
        try { _socket?.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket?.Dispose();
    }

    /// <summary>Lines and counted bytes from the master's socket, over one buffer.</summary>
    private sealed class LineReader(Socket socket)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;

        public string Line(bool skipKeepAlives)
        {
            while (true)
            {
                int at = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (at >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buffer, _start, at - _start).TrimEnd('\r');
                    _start = at + 1;
                    if (line.Length == 0 && skipKeepAlives) continue; // the master's newlines while it prepares the RDB
                    return line;
                }
                Fill();
            }
        }

        public byte[] Bytes(int count)
        {
            var result = new byte[count];
            int copied = 0;
            while (copied < count)
            {
                if (_start == _end) Fill();
                int n = Math.Min(count - copied, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, copied, n);
                _start += n;
                copied += n;
            }
            return result;
        }

        public byte[] TakeRest()
        {
            var rest = _buffer.AsSpan(_start, _end - _start).ToArray();
            _start = _end = 0;
            return rest;
        }

        private void Fill()
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            int n = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (n == 0) throw new IOException("the master closed the connection");
            _end += n;
        }
    }
}
