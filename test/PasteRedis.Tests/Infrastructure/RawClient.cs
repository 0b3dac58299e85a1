using System.Net.Sockets;
using System.Text;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>
/// A plain TCP client for protocol tests: sends exact bytes and reads RESP replies back
/// as text, so a test sees precisely what a client library would receive.
/// </summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    public RawClient(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        tcp.Connect("127.0.0.1", port);
        _socket = tcp.Client;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 10000;
    }

    /// <summary>A client on the server's Unix socket (unixsocket).</summary>
    public RawClient(string unixSocketPath)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Connect(new UnixDomainSocketEndPoint(unixSocketPath));
        _stream = new NetworkStream(_socket, ownsSocket: true) { ReadTimeout = 10000 };
    }

    /// <summary>How bulk replies are rendered: UTF-8, or Latin-1 where every byte must count (binary values).</summary>
    public Encoding BulkEncoding { get; set; } = Encoding.UTF8;

    /// <summary>This end of the connection (what the server sees as the client's address).</summary>
    public System.Net.EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Reply bytes received and not yet read (buffered here or waiting in the socket).</summary>
    public int Available => _end - _start + _socket.Available;

    public void Send(string text) => Send(Encoding.UTF8.GetBytes(text));
    public void Send(byte[] bytes) => _stream.Write(bytes);

    /// <summary>Reads exactly <paramref name="buffer"/>'s length from a plain socket (pipelined replies of known size).</summary>
    public static void ReceiveExactly(System.Net.Sockets.Socket socket, byte[] buffer)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = socket.Receive(buffer, got, buffer.Length - got, System.Net.Sockets.SocketFlags.None);
            if (n == 0) throw new EndOfStreamException("the server closed the connection");
            got += n;
        }
    }

    public static byte[] Command(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Sends a command as a RESP array and returns its reply rendered as text.</summary>
    public string Call(params string[] args)
    {
        Send(Command(args));
        return ReadReply();
    }

    /// <summary>
    /// Reads one complete reply and renders it: "+OK", "-ERR …", ":1", "$bar" (bulk),
    /// "$nil", "*[a,b]" for arrays (nested likewise), "_" for RESP3 null.
    /// </summary>
    /// <summary>A command whose arguments go byte for byte (each char a Latin-1 byte): binary values such as DUMP payloads.</summary>
    public string CallLatin1(params string[] args)
    {
        var frame = new MemoryStream();
        frame.Write(Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
        foreach (var a in args)
        {
            var b = Encoding.Latin1.GetBytes(a);
            frame.Write(Encoding.ASCII.GetBytes($"${b.Length}\r\n"));
            frame.Write(b);
            frame.Write("\r\n"u8);
        }
        Send(frame.ToArray());
        return ReadReply();
    }

    public string ReadReply()
    {
        var line = ReadLine();
        char type = line[0];
        string rest = line[1..];
        switch (type)
        {
            case '+': case '-': case ':': case ',': case '#': case '(': return line;
            case '_': return "_";
            case '$':
            case '=':
            {
                int len = int.Parse(rest);
                if (len < 0) return "$nil";
                var bytes = ReadExact(len + 2);
                return "$" + BulkEncoding.GetString(bytes, 0, len);
            }
            case '*': case '~': case '%': case '>':
            {
                int n = int.Parse(rest);
                if (n < 0) return "*nil";
                if (type == '%') n *= 2;
                var items = new List<string>();
                for (int i = 0; i < n; i++) items.Add(ReadReply());
                return type + "[" + string.Join(",", items) + "]";
            }
            case '|':
            {
                // An attribute: its map, then the reply it describes.
                int n = int.Parse(rest) * 2;
                var items = new List<string>();
                for (int i = 0; i < n; i++) items.Add(ReadReply());
                return "|[" + string.Join(",", items) + "]" + ReadReply();
            }
            default: throw new InvalidDataException("unexpected reply line: " + line);
        }
    }

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (_start == _end) Fill();
            byte b = _buffer[_start++];
            if (b == '\r')
            {
                if (_start == _end) Fill();
                _start++; // '\n'
                return sb.ToString();
            }
            sb.Append((char)b);
        }
    }

    /// <summary>Reads exactly <paramref name="n"/> reply bytes (for tests that count replies by size).</summary>
    public byte[] ReadBytes(int n) => ReadExact(n);

    private byte[] ReadExact(int n)
    {
        var result = new byte[n];
        int got = 0;
        while (got < n)
        {
            if (_start == _end) Fill();
            int take = Math.Min(n - got, _end - _start);
            Array.Copy(_buffer, _start, result, got, take);
            _start += take;
            got += take;
        }
        return result;
    }

    private void Fill()
    {
        _start = 0;
        _end = _stream.Read(_buffer, 0, _buffer.Length);
        if (_end == 0) throw new EndOfStreamException("server closed the connection");
    }

    /// <summary>True when the server has closed the connection (reads EOF within the timeout).</summary>
    public bool IsClosedByServer(int timeoutMs = 5000)
    {
        _stream.ReadTimeout = timeoutMs;
        try
        {
            while (true)
            {
                if (_start < _end) { _start = _end; continue; }
                int n = _stream.Read(_buffer, 0, _buffer.Length);
                if (n == 0) return true;
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false;
        }
        catch (IOException) { return true; } // reset by the server
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
