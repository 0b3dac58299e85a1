using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace PasteRedis.Resp;

/// <summary>
/// Writes RESP2 or RESP3 replies into a buffer writer (a connection's output pipe). One
/// instance per connection; <see cref="Protocol"/> switches with HELLO. RESP3-only types
/// degrade the way Redis degrades them for RESP2 clients.
/// </summary>
public sealed class RespWriter
{
    private IBufferWriter<byte> _out = null!;

    public int Protocol { get; set; } = 2;
    public bool IsResp3 => Protocol == 3;

    public RespWriter() { }
    public RespWriter(IBufferWriter<byte> output) => _out = output;

    public IBufferWriter<byte> Output { get => _out; set => _out = value; }

    public void Raw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

    public void Ok() => _out.Write("+OK\r\n"u8);

    public void SimpleString(ReadOnlySpan<byte> s)
    {
        var span = _out.GetSpan(s.Length + 3);
        span[0] = (byte)'+';
        s.CopyTo(span[1..]);
        span[s.Length + 1] = (byte)'\r';
        span[s.Length + 2] = (byte)'\n';
        _out.Advance(s.Length + 3);
    }

    public void SimpleString(string s) => Line((byte)'+', s);

    /// <summary>Told of every error reply written (INFO errorstats); null for none.</summary>
    public Action<string>? ErrorWritten { get; set; }

    /// <summary>An error reply; <paramref name="message"/> carries its own code ("ERR …", "WRONGTYPE …").</summary>
    public void Error(string message)
    {
        Line((byte)'-', message);
        ErrorWritten?.Invoke(message);
    }

    /// <summary>
    /// An error reply already counted where it arose (a script passing on its command's
    /// error: Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE): not told to <see cref="ErrorWritten"/>,
    /// only counted in <see cref="UncountedErrors"/> so the command still counts as failed.
    /// </summary>
    public void ErrorAlreadyCounted(string message)
    {
        Line((byte)'-', message);
        UncountedErrors++;
    }

    /// <summary>Error replies written by <see cref="ErrorAlreadyCounted"/>.</summary>
    public long UncountedErrors { get; private set; }

    private void Line(byte prefix, string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length) + 3;
        var span = _out.GetSpan(max);
        span[0] = prefix;
        int n = Encoding.UTF8.GetBytes(s, span[1..]);
        // A reply line may not contain CR or LF (Redis replaces them with spaces).
        for (int i = 1; i <= n; i++) if (span[i] is (byte)'\r' or (byte)'\n') span[i] = (byte)' ';
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        _out.Advance(n + 3);
    }

    public void Integer(long value) => Header((byte)':', value);

    public void Bulk(ReadOnlySpan<byte> value)
    {
        Header((byte)'$', value.Length);
        _out.Write(value);
        _out.Write("\r\n"u8);
    }

    /// <summary>The header of a bulk string whose bytes the caller writes next, then CRLF.</summary>
    public void BulkHeader(long length) => Header((byte)'$', length);

    public void Bulk(in ReadOnlySequence<byte> value)
    {
        Header((byte)'$', value.Length);
        foreach (var segment in value) _out.Write(segment.Span);
        _out.Write("\r\n"u8);
    }

    public void Bulk(string value)
    {
        int max = Encoding.UTF8.GetByteCount(value);
        Header((byte)'$', max);
        var span = _out.GetSpan(max + 2);
        int n = Encoding.UTF8.GetBytes(value, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        _out.Advance(n + 2);
    }

    public void BulkInteger(long value)
    {
        Span<byte> tmp = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, tmp, out int n);
        Bulk(tmp[..n]);
    }

    /// <summary>RESP3 verbatim string (INFO, CLIENT LIST …); a bulk string in RESP2.</summary>
    public void Verbatim(string text)
    {
        if (!IsResp3) { Bulk(text); return; }
        int len = Encoding.UTF8.GetByteCount(text) + 4;
        Header((byte)'=', len);
        _out.Write("txt:"u8);
        var span = _out.GetSpan(len - 4 + 2);
        int n = Encoding.UTF8.GetBytes(text, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        _out.Advance(n + 2);
    }

    /// <summary>The null reply for a missing bulk string: $-1 in RESP2, _ in RESP3.</summary>
    public void Null() => _out.Write(IsResp3 ? "_\r\n"u8 : "$-1\r\n"u8);

    /// <summary>The null reply for a missing array: *-1 in RESP2, _ in RESP3.</summary>
    public void NullArray() => _out.Write(IsResp3 ? "_\r\n"u8 : "*-1\r\n"u8);

    public void ArrayHeader(long count) => Header((byte)'*', count);

    /// <summary>A map of <paramref name="pairs"/> entries: %n in RESP3, a flat array of 2n in RESP2.</summary>
    public void MapHeader(long pairs)
    {
        if (IsResp3) Header((byte)'%', pairs);
        else Header((byte)'*', pairs * 2);
    }

    public void SetHeader(long count) => Header(IsResp3 ? (byte)'~' : (byte)'*', count);

    public void PushHeader(long count) => Header(IsResp3 ? (byte)'>' : (byte)'*', count);

    public void Double(double value)
    {
        Span<byte> tmp = stackalloc byte[40];
        int n = RespNumber.FormatDoubleG17(value, tmp);
        if (IsResp3)
        {
            var span = _out.GetSpan(n + 3);
            span[0] = (byte)',';
            tmp[..n].CopyTo(span[1..]);
            span[n + 1] = (byte)'\r';
            span[n + 2] = (byte)'\n';
            _out.Advance(n + 3);
        }
        else Bulk(tmp[..n]);
    }

    /// <summary>A RESP3 big number (a bulk string in RESP2); <paramref name="digits"/> must be an integer's digits.</summary>
    public void BigNumber(string digits)
    {
        if (IsResp3) Line((byte)'(', digits);
        else Bulk(digits);
    }

    /// <summary>A RESP3 attribute of <paramref name="pairs"/> entries, before the reply it describes; RESP2 has none (the caller writes nothing).</summary>
    public void AttributeHeader(long pairs) => Header((byte)'|', pairs);

    public void Boolean(bool value)
    {
        if (IsResp3) _out.Write(value ? "#t\r\n"u8 : "#f\r\n"u8);
        else Integer(value ? 1 : 0);
    }

    private void Header(byte prefix, long value)
    {
        var span = _out.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int n);
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        _out.Advance(n + 3);
    }
}
