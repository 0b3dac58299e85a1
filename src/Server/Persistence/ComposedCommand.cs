using System.Buffers;
using System.Buffers.Text;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Builds commands in RESP for the log's absolute forms (PEXPIREAT, DEL, SET … KEEPTTL).
/// One instance per connection; the buffer is reused, so composing allocates nothing.
/// </summary>
internal sealed class ComposedCommand
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly List<int> _ends = [];

    /// <summary>Composed commands so far, each as its own RESP frame.</summary>
    public int Count => _ends.Count;

    public ReadOnlySpan<byte> this[int i] => _buffer.WrittenSpan[(i == 0 ? 0 : _ends[i - 1]).._ends[i]];

    /// <summary>Every command so far, back to back (a pipeline to send).</summary>
    public ReadOnlySpan<byte> All => _buffer.WrittenSpan;

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        _ends.Clear();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1)
    {
        Header(2); Arg(a0); Arg(a1); End();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, long a2)
    {
        Span<byte> n = stackalloc byte[24];
        Utf8Formatter.TryFormat(a2, n, out int len);
        Header(3); Arg(a0); Arg(a1); Arg(n[..len]); End();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, ReadOnlySpan<byte> a2)
    {
        Header(3); Arg(a0); Arg(a1); Arg(a2); End();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, ReadOnlySpan<byte> a2, ReadOnlySpan<byte> a3)
    {
        Header(4); Arg(a0); Arg(a1); Arg(a2); Arg(a3); End();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, ReadOnlySpan<byte> a2, ReadOnlySpan<byte> a3, long a4)
    {
        Span<byte> n = stackalloc byte[24];
        Utf8Formatter.TryFormat(a4, n, out int len);
        Header(5); Arg(a0); Arg(a1); Arg(a2); Arg(a3); Arg(n[..len]); End();
    }

    public void Add(ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, ReadOnlySpan<byte> a2, ReadOnlySpan<byte> a3, ReadOnlySpan<byte> a4)
    {
        Header(5); Arg(a0); Arg(a1); Arg(a2); Arg(a3); Arg(a4); End();
    }

    /// <summary>RESTORE key ttl payload [REPLACE] [ABSTTL]: how RESTORE is logged, and what MIGRATE sends.</summary>
    public void AddRestore(ReadOnlySpan<byte> key, long ttl, ReadOnlySpan<byte> payload, bool replace, bool absTtl)
    {
        Begin(4 + (replace ? 1 : 0) + (absTtl ? 1 : 0));
        Append("RESTORE"u8);
        Append(key);
        Append(ttl);
        Append(payload);
        if (replace) Append("REPLACE"u8);
        if (absTtl) Append("ABSTTL"u8);
        End();
    }

    /// <summary>A command already in RESP (composed elsewhere).</summary>
    public void AddFrame(ReadOnlySpan<byte> frame)
    {
        _buffer.Write(frame);
        End();
    }

    /// <summary>Starts a command of <paramref name="n"/> arguments; add them with Append, then End.</summary>
    public void Begin(int n) => Header(n);

    public void Append(ReadOnlySpan<byte> arg) => Arg(arg);

    public void Append(double d)
    {
        Span<byte> text = stackalloc byte[40];
        Arg(text[..PasteRedis.Resp.RespNumber.FormatDouble(d, text)]);
    }

    public void Append(long v)
    {
        Span<byte> n = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, n, out int len);
        Arg(n[..len]);
    }

    private void Header(int n)
    {
        var span = _buffer.GetSpan(16);
        span[0] = (byte)'*';
        Utf8Formatter.TryFormat(n, span[1..], out int len);
        span[len + 1] = (byte)'\r';
        span[len + 2] = (byte)'\n';
        _buffer.Advance(len + 3);
    }

    private void Arg(ReadOnlySpan<byte> a)
    {
        var span = _buffer.GetSpan(a.Length + 16);
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(a.Length, span[1..], out int len);
        span[len + 1] = (byte)'\r';
        span[len + 2] = (byte)'\n';
        a.CopyTo(span[(len + 3)..]);
        span[len + 3 + a.Length] = (byte)'\r';
        span[len + 4 + a.Length] = (byte)'\n';
        _buffer.Advance(len + 5 + a.Length);
    }

    public void End() => _ends.Add(_buffer.WrittenCount);
}
