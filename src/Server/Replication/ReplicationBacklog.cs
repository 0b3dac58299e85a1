namespace PasteRedis.Server.Replication;

/// <summary>
/// The replication backlog, as Redis keeps it: the last repl-backlog-size bytes of the
/// stream in a ring, so that a replica whose link broke continues from the offset it had
/// applied (PSYNC replid offset, answered +CONTINUE and the bytes since) instead of a full
/// resynchronization. Offsets are the stream's: byte N of the stream is offset N, the first
/// byte is 1 (master_repl_offset is the last byte's).
/// </summary>
internal sealed class ReplicationBacklog
{
    /// <summary>Redis's floor for repl-backlog-size (CONFIG_REPL_BACKLOG_MIN_SIZE).</summary>
    public const int MinSize = 16 * 1024;

    private byte[] _ring;
    private int _head;        // where the next byte goes
    private long _end;        // offset of the last byte written

    public ReplicationBacklog(long size, long endOffset)
    {
        _ring = new byte[Clamp(size)];
        _end = endOffset;
    }

    /// <summary>repl_backlog_histlen: how many of the stream's last bytes it holds.</summary>
    public int HistoryLength { get; private set; }

    /// <summary>repl_backlog_first_byte_offset.</summary>
    public long FirstByteOffset => _end - HistoryLength + 1;

    public int Size => _ring.Length;

    private static int Clamp(long size) => (int)Math.Clamp(size, MinSize, Array.MaxLength);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        _end += bytes.Length;
        if (bytes.Length >= _ring.Length)
        {
            bytes[^_ring.Length..].CopyTo(_ring);
            _head = 0;
            HistoryLength = _ring.Length;
            return;
        }
        int first = Math.Min(bytes.Length, _ring.Length - _head);
        bytes[..first].CopyTo(_ring.AsSpan(_head));
        bytes[first..].CopyTo(_ring);
        _head = (_head + bytes.Length) % _ring.Length;
        HistoryLength = Math.Min(_ring.Length, HistoryLength + bytes.Length);
    }

    /// <summary>Whether a replica that needs the stream from <paramref name="offset"/> on can have it from here.</summary>
    public bool Covers(long offset) => HistoryLength > 0 ? offset >= FirstByteOffset && offset <= _end + 1 : offset == _end + 1;

    /// <summary>The bytes from <paramref name="offset"/> (which <see cref="Covers"/>) to the end, in at most two pieces.</summary>
    public (ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second) From(long offset)
    {
        int count = (int)(_end + 1 - offset);
        int start = ((_head - count) % _ring.Length + _ring.Length) % _ring.Length;
        int first = Math.Min(count, _ring.Length - start);
        return (_ring.AsMemory(start, first), _ring.AsMemory(0, count - first));
    }

    /// <summary>CONFIG SET repl-backlog-size: a new ring that keeps as much of the newest history as fits.</summary>
    public void Resize(long size)
    {
        int newSize = Clamp(size);
        if (newSize == _ring.Length) return;
        var (a, b) = From(_end + 1 - HistoryLength);
        var ring = new byte[newSize];
        int keep = Math.Min(HistoryLength, newSize);
        var history = new byte[HistoryLength];
        a.Span.CopyTo(history);
        b.Span.CopyTo(history.AsSpan(a.Length));
        history.AsSpan(HistoryLength - keep).CopyTo(ring);
        _ring = ring;
        _head = keep % newSize;
        HistoryLength = keep;
    }
}
