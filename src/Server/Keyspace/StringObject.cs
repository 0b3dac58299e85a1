using System.Buffers;
using PasteRedis.Paste;
using PasteRedis.Resp;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// A string value. A value that arrived in packet buffers is kept where it arrived: one
/// extent (pbuf, offset, length) when it arrived whole in one buffer, a short list when it
/// spans buffers, each holding a reference on its buffer. Values the server computes
/// (INCR, APPEND, SETRANGE) or that did not arrive in a packet buffer (inline commands)
/// live in a managed buffer, which an overwrite reuses when large enough.
/// </summary>
/// <summary>How a received value was stored.</summary>
internal enum StoreKind { Whole, Spanning, Copied }

internal sealed class StringObject : RedisObject
{
    private byte[]? _managed;
    // One extent (_extent), two (_extent, _extent2: a value that crosses one buffer
    // boundary, kept inline so that storing it allocates nothing), or more (_extents).
    private PbufExtent _extent;
    private PbufExtent _extent2;
    private PbufExtent[]? _extents;
    private int _extentCount;

    private PbufExtent At(int i) => _extents != null ? _extents[i] : i == 0 ? _extent : _extent2;

    public StringObject(byte[] key) : base(key) { }

    public override RedisType Type => RedisType.String;
    public int Length { get; private set; }

    /// <summary>True when the value lives in packet buffers (zero-copy).</summary>
    public bool IsReference => _managed == null && Length > 0;

    /// <summary>Set by APPEND and SETRANGE, which make Redis store a "raw" string.</summary>
    public bool Raw { get; set; }

    /// <summary>Set by INCRBYFLOAT, whose result Redis stores as a string object even when it reads as an integer.</summary>
    public bool NeverInt { get; set; }

    /// <summary>Set by COPY: Redis duplicates the object, so even a small integer is no longer its shared one (OBJECT REFCOUNT 1).</summary>
    public bool Duplicated { get; set; }

    /// <summary>
    /// Stores the value by reference when every byte of it lies in packet buffers of
    /// <paramref name="pool"/>; otherwise (or without a pool) copies it. Returns true for
    /// a reference.
    /// </summary>
    public StoreKind Set(PacketBufferPool? pool, in ReadOnlySequence<byte> value)
    {
        Raw = NeverInt = Duplicated = false;
        if (pool != null && value.Length > 0 && TryReference(pool, value))
            return _extentCount == 1 ? StoreKind.Whole : StoreKind.Spanning;
        if (value.IsSingleSegment) SetBytes(pool, value.FirstSpan);
        else
        {
            var buffer = ManagedBuffer(pool, (int)value.Length);
            value.CopyTo(buffer);
        }
        return StoreKind.Copied;
    }

    private bool TryReference(PacketBufferPool pool, in ReadOnlySequence<byte> value)
    {
        // Most values lie in one buffer or across two: their extents are found in one pass.
        PbufExtent first = default, second = default;
        int count = 0;
        if (value.IsSingleSegment)
        {
            if (!pool.TryGetExtent(value.First, out first)) return false;
            count = 1;
        }
        else
            foreach (var segment in value)
            {
                if (segment.Length == 0) continue;
                if (!pool.TryGetExtent(segment, out var e)) return false;
                if (count == 0) first = e;
                else if (count == 1) second = e;
                count++;
            }
        // Take the new references before dropping the old ones: both may be in one buffer.
        var (oldExtent, oldExtent2, oldExtents, oldCount) = (_extent, _extent2, _extents, _extentCount);
        bool hadReference = _managed == null;
        if (count <= 2)
        {
            pool.AddValueRef(first);
            if (count == 2) pool.AddValueRef(second);
            (_extent, _extent2) = (first, second);
            _extents = null;
        }
        else
        {
            _extents = new PbufExtent[count]; // values longer than a packet buffer
            int i = 0;
            foreach (var segment in value)
            {
                if (segment.Length == 0) continue;
                pool.TryGetExtent(segment, out _extents[i]);
                pool.AddValueRef(_extents[i]);
                i++;
            }
        }
        if (hadReference) ReleaseExtents(pool, oldExtent, oldExtent2, oldExtents, oldCount);
        _extentCount = count;
        _managed = null;
        Length = (int)value.Length;
        return true;
    }

    /// <summary>
    /// A new object takes over a deferred value (<see cref="DeferredStrings"/>): its one or
    /// two extents, whose references the index already holds, become this value's.
    /// </summary>
    public StoreKind Adopt(in DeferredStrings.Value value)
    {
        (_extent, _extent2, _extents, _managed) = (value.First, value.Second, null, null);
        _extentCount = value.Count;
        Length = value.Length;
        return _extentCount == 1 ? StoreKind.Whole : StoreKind.Spanning;
    }

    /// <summary>Stores a copy of <paramref name="value"/> in managed memory.</summary>
    public void SetBytes(PacketBufferPool? pool, ReadOnlySpan<byte> value)
    {
        var buffer = ManagedBuffer(pool, value.Length);
        value.CopyTo(buffer);
        Raw = NeverInt = Duplicated = false;
    }

    private Span<byte> ManagedBuffer(PacketBufferPool? pool, int length)
    {
        ReleaseStorage(pool);
        if (_managed == null || _managed.Length < length || _managed.Length > 4 * Math.Max(length, 64))
            _managed = new byte[length];
        Length = length;
        return _managed.AsSpan(0, length);
    }

    /// <summary>Drops the references this value holds on packet buffers (delete, overwrite, flush).</summary>
    public void ReleaseStorage(PacketBufferPool? pool)
    {
        if (_managed != null || Length == 0 || pool == null) return;
        ReleaseExtents(pool, _extent, _extent2, _extents, _extentCount);
        _extents = null;
        _extentCount = 0;
        Length = 0;
    }

    private static void ReleaseExtents(PacketBufferPool? pool, PbufExtent first, PbufExtent second, PbufExtent[]? many, int count)
    {
        if (pool == null || count == 0) return;
        if (many != null)
            for (int i = 0; i < count; i++) pool.ReleaseValueRef(many[i]);
        else
        {
            pool.ReleaseValueRef(first);
            if (count == 2) pool.ReleaseValueRef(second);
        }
    }

    /// <summary>
    /// The value as one span. A value spanning packet buffers is first copied into managed
    /// memory (commands that need contiguous bytes — INCR, APPEND, GETRANGE — are rare on
    /// such values).
    /// </summary>
    public ReadOnlySpan<byte> Value(PacketBufferPool? pool)
    {
        if (_managed != null || Length == 0) return _managed.AsSpan(0, Length);
        if (_extentCount == 1) return pool!.Read(_extent);
        var copy = new byte[Length];
        int at = 0;
        for (int i = 0; i < _extentCount; i++)
        {
            var e = At(i);
            pool!.Read(e).CopyTo(copy.AsSpan(at));
            at += e.Length;
        }
        (bool raw, bool neverInt, bool duplicated) = (Raw, NeverInt, Duplicated);
        SetBytes(pool, copy);
        (Raw, NeverInt, Duplicated) = (raw, neverInt, duplicated);
        return _managed.AsSpan(0, Length);
    }

    /// <summary>Writes the value as a bulk reply straight from where it lies.</summary>
    public void WriteBulk(RespWriter reply, PacketBufferPool? pool)
    {
        if (_managed != null || Length == 0) reply.Bulk(_managed.AsSpan(0, Length));
        else if (_extentCount == 1) reply.Bulk(pool!.Read(_extent));
        else
        {
            reply.BulkHeader(Length);
            for (int i = 0; i < _extentCount; i++) reply.Raw(pool!.Read(At(i)));
            reply.Raw("\r\n"u8);
        }
    }

    /// <summary>
    /// Points the value at <paramref name="extents"/> (bytes already copied there, e.g. by
    /// compaction) and drops its references on where it lay before.
    /// </summary>
    public void Relocate(PacketBufferPool pool, List<PbufExtent> extents)
    {
        var (oldExtent, oldExtent2, oldExtents, oldCount) = (_extent, _extent2, _extents, _extentCount);
        foreach (var e in extents) pool.AddValueRef(e);
        if (extents.Count <= 2)
        {
            _extent = extents[0];
            if (extents.Count == 2) _extent2 = extents[1];
            _extents = null;
        }
        else _extents = extents.ToArray();
        _extentCount = extents.Count;
        ReleaseExtents(pool, oldExtent, oldExtent2, oldExtents, oldCount);
    }

    /// <summary>
    /// COPY: a value kept in packet buffers is shared, each extent taking one more
    /// reference (the bytes are immutable once received); a managed value is copied.
    /// </summary>
    public override RedisObject CloneAs(byte[] key, PacketBufferPool? pool)
    {
        var copy = new StringObject(key);
        if (_managed != null || Length == 0) copy.SetBytes(pool, _managed.AsSpan(0, Length));
        else
        {
            foreach (var e in Extents()) pool!.AddValueRef(e);
            copy._extent = _extent;
            copy._extent2 = _extent2;
            copy._extents = _extents == null ? null : _extents[.._extentCount];
            copy._extentCount = _extentCount;
            copy.Length = Length;
        }
        copy.Raw = Raw;
        copy.NeverInt = NeverInt;
        copy.Duplicated = true;
        return copy;
    }

    /// <summary>True when any buffer holding this value is mostly dead space.</summary>
    public bool LiesSparsely(PacketBufferPool pool)
    {
        if (_managed != null || Length == 0) return false;
        for (int i = 0; i < _extentCount; i++)
            if (pool.LiveBytes(At(i).Index) < pool.BufferSize / 2) return true;
        return false;
    }

    /// <summary>The value's extents into <paramref name="into"/> (cleared first; none for a managed value), without allocating.</summary>
    public void CopyExtents(List<PbufExtent> into)
    {
        into.Clear();
        if (_managed != null || Length == 0) return;
        for (int i = 0; i < _extentCount; i++) into.Add(At(i));
    }

    /// <summary>Asks for the value's bytes and its buffers' counters ahead of a pass that reads them (a compaction's walk).</summary>
    public void Prefetch(PacketBufferPool pool)
    {
        if (_managed != null || Length == 0) return;
        for (int i = 0; i < _extentCount; i++) pool.PrefetchWhole(At(i));
    }

    /// <summary>Where the value lies: packet buffer extents, or empty for a managed value.</summary>
    public IEnumerable<PbufExtent> Extents()
    {
        if (_managed != null || Length == 0) yield break;
        for (int i = 0; i < _extentCount; i++) yield return At(i);
    }

    /// <summary>Makes room for <paramref name="newLength"/> bytes in managed memory, zero-filling the growth (SETRANGE/APPEND).</summary>
    public Span<byte> Resize(PacketBufferPool? pool, int newLength)
    {
        if (_managed != null && _managed.Length >= newLength)
        {
            // Room already made by an earlier growth: APPEND and SETRANGE in place, amortised O(1).
            if (newLength > Length) _managed.AsSpan(Length, newLength - Length).Clear();
            Length = newLength;
            Raw = true;
            return _managed.AsSpan(0, Length);
        }
        var current = Value(pool);
        var grown = new byte[Math.Max(newLength, Math.Min(current.Length * 2, newLength + 1024 * 1024))];
        current.CopyTo(grown);
        ReleaseStorage(pool);
        _managed = grown;
        Length = newLength;
        Raw = true;
        return _managed.AsSpan(0, Length);
    }

    public override string Encoding(PacketBufferPool? pool)
    {
        if (!Raw && !NeverInt && Length <= 20 && RespNumber.TryParseInt64(Value(pool), out _)) return "int";
        return !Raw && Length <= 44 ? "embstr" : "raw";
    }
}
