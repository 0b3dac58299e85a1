using System.Buffers;
using System.Net.Sockets;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>
/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
/// AUTH2 username password] [KEYS key [key ...]]: DUMP here, RESTORE there, then DEL here
/// (unless COPY), as Redis 7 does it. Like Redis, it is synchronous: the server waits for
/// the target (each connect, write and read up to the timeout) while it holds the
/// execution lock. Unlike Redis, which keeps the connection for ten seconds to reuse it,
/// each MIGRATE opens its own connection (so it always sends SELECT, and AUTH when given).
/// The log gets the deletions as DEL of the keys the target acknowledged, never MIGRATE
/// itself (a replay must not migrate again).
/// </summary>
internal static class MigrateCommand
{
    public static void Migrate(ClientSession c)
    {
        // Never the frame itself in the log, which a replay would run again (on any path,
        // even when only a lazy expiry of a named key changed the keyspace).
        var log = c.LogAbsolute(replace: true);
        var req = c.Request;
        bool copy = false, replace = false;
        byte[]? username = null, password = null;
        int firstKey = 3, keyCount = 1;
        for (int j = 6; j < req.Count; j++)
        {
            int more = req.Count - 1 - j;
            if (c.ArgIs(j, "COPY"u8)) copy = true;
            else if (c.ArgIs(j, "REPLACE"u8)) replace = true;
            else if (c.ArgIs(j, "AUTH"u8) && more >= 1) password = req.Arg(++j).ToArray();
            else if (c.ArgIs(j, "AUTH2"u8) && more >= 2)
            {
                username = req.Arg(++j).ToArray();
                password = req.Arg(++j).ToArray();
            }
            else if (c.ArgIs(j, "KEYS"u8))
            {
                if (req.Arg(3).Length != 0)
                {
                    c.Reply.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
                    return;
                }
                firstKey = j + 1;
                keyCount = req.Count - firstKey;
                break;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        // Redis checks the timeout before the database number.
        if (!c.TryLong(5, out long timeout) || !c.TryLong(4, out long dbid)) return;
        if (timeout <= 0) timeout = 1000;

        var keys = new List<(byte[] Key, RedisObject Value)>(keyCount);
        for (int j = firstKey; j < firstKey + keyCount; j++)
        {
            if (c.Db.Lookup(req.Arg(j), c.NowMs) is { } obj) keys.Add((req.Arg(j).ToArray(), obj));
            else c.KeyMiss(req.Arg(j));
        }
        if (keys.Count == 0)
        {
            c.Reply.SimpleString("NOKEY"); // nothing to move (a key that just expired is a normal case, not an error)
            return;
        }

        // What the target gets, in one write: [AUTH] SELECT, then a RESTORE per key still alive.
        var request = new Persistence.ComposedCommand();
        if (password != null)
        {
            if (username != null) request.Add("AUTH"u8, username, password);
            else request.Add("AUTH"u8, password);
        }
        request.Begin(2);
        request.Append("SELECT"u8);
        request.Append(dbid);
        request.End();
        var sent = new List<byte[]>(keys.Count);
        foreach (var (key, value) in keys)
        {
            long ttl = 0;
            if (value.HasExpiry)
            {
                ttl = value.ExpireAt - c.NowMs;
                if (ttl < 0) continue; // expired since it was looked up
                if (ttl < 1) ttl = 1;
            }
            var payload = Persistence.RdbValue.Dump(value, c.Server.Pool, c.Server.Config.RdbCompression);
            request.AddRestore(key, ttl, payload, replace, absTtl: false);
            sent.Add(key);
        }

        int timeoutMs = (int)Math.Min(int.MaxValue, timeout);
        Socket socket;
        try { socket = Connect(c.ArgString(1), c.ArgString(2), timeoutMs); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Redis's non-blocking connect sees a refused socket as writable, then its write fails.
            c.Reply.Error("IOERR error or timeout writing to target instance");
            return;
        }
        catch (Exception e) when (e is SocketException or TimeoutException or ArgumentException or FormatException or OverflowException)
        {
            c.Reply.Error("IOERR error or timeout connecting to the client");
            return;
        }
        using (socket)
        {
            var reader = new LineReader(socket);
            try { socket.Send(request.All); }
            catch (SocketException)
            {
                c.Reply.Error("IOERR error or timeout writing to target instance");
                return;
            }
            string? authReply = null, selectReply, restoreReply;
            string? targetError = null;
            var deleted = new List<byte[]>(sent.Count);
            bool socketError = false;
            try
            {
                if (password != null) authReply = reader.ReadLine();
                selectReply = reader.ReadLine();
                foreach (var key in sent)
                {
                    restoreReply = reader.ReadLine();
                    bool failed = authReply is ['-', ..] || selectReply is ['-', ..] || restoreReply is ['-', ..];
                    if (failed)
                    {
                        targetError ??= (authReply is ['-', ..] ? authReply : selectReply is ['-', ..] ? selectReply : restoreReply)[1..];
                        continue;
                    }
                    if (copy) continue;
                    if (c.Db.Lookup(key, c.NowMs, touch: false) is { } obj)
                    {
                        c.Db.Remove(obj);
                        c.Server.Watches.Touch(c.Db, key, c);
                        c.Notify(NotifyClass.Generic, "del", key);
                    }
                    deleted.Add(key);
                }
            }
            catch (Exception e) when (e is SocketException or IOException) { socketError = true; }
            c.KeysTouchedByHandler = true;
            // The keys the target acknowledged are gone here: logged as their DEL.
            if (deleted.Count > 0)
            {
                log.Begin(1 + deleted.Count);
                log.Append("DEL"u8);
                foreach (var key in deleted) log.Append(key);
                log.End();
            }
            if (targetError != null) c.Reply.Error("ERR Target instance replied with error: " + targetError);
            else if (socketError) c.Reply.Error("IOERR error or timeout reading to target instance");
            else c.Reply.Ok();
        }
    }

    /// <summary>
    /// Connects within the timeout on this thread alone: a blocking socket whose send timeout
    /// (SO_SNDTIMEO, which Linux applies to connect too) bounds the connect, and then its
    /// writes; the receive timeout bounds its reads. Nothing here may wait on the runtime's
    /// socket engine (an awaited connect, or a socket ever made non-blocking, whose
    /// synchronous calls .NET then completes through that engine): with the engine's
    /// inline completions this very thread may be the one that would complete them.
    /// </summary>
    private static Socket Connect(string host, string port, int timeoutMs)
    {
        int portNumber = int.Parse(port, System.Globalization.CultureInfo.InvariantCulture);
        var address = System.Net.IPAddress.TryParse(host, out var literal) ? literal : System.Net.Dns.GetHostAddresses(host)[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = timeoutMs, ReceiveTimeout = timeoutMs };
        try
        {
            try { socket.Connect(new System.Net.IPEndPoint(address, portNumber)); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock or SocketError.TimedOut)
            {
                throw new TimeoutException();
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The target's replies, a line at a time (Redis's syncReadLine: up to the newline,
    /// without the CRLF, at most 1 KB kept). A closed connection or a timeout throws.
    /// </summary>
    private sealed class LineReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[4096];
        private int _start, _end;

        public string ReadLine()
        {
            var line = new ArrayBufferWriter<byte>(64);
            while (true)
            {
                if (_start == _end)
                {
                    int read = socket.Receive(_buffer);
                    if (read == 0) throw new IOException("the target closed the connection");
                    (_start, _end) = (0, read);
                }
                int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                int take = newline < 0 ? _end - _start : newline;
                if (line.WrittenCount < 1024) line.Write(_buffer.AsSpan(_start, Math.Min(take, 1024 - line.WrittenCount)));
                _start += newline < 0 ? take : take + 1;
                if (newline < 0) continue;
                var text = line.WrittenSpan;
                if (text.Length > 0 && text[^1] == (byte)'\r') text = text[..^1];
                return System.Text.Encoding.UTF8.GetString(text);
            }
        }
    }
}
