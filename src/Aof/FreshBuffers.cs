using PasteRedis.Paste;

namespace PasteRedis.Aof;

/// <summary>
/// Packet buffers the log writes itself: commands in absolute form (PEXPIREAT, DEL, SET
/// for INCRBYFLOAT), copies in copy mode, relocated values. Bytes are appended into the
/// current buffer and handed out as extents; each record that references them takes its
/// own reference, the writer holds one on its current buffer. Flushing them is the
/// caller's business (they are part of the record's referenced bytes).
///
/// A buffer the writer has moved past is not let go at once: extents just handed out may
/// point into it and nobody references them yet. It is released by <see cref="Settle"/>,
/// which callers invoke once their records (or values) hold their own references.
/// </summary>
public sealed class FreshBuffers(PacketBufferPool pool)
{
    private int _current = -1;
    private int _used;
    private readonly List<int> _retired = [];
    private readonly Stack<int> _stash = new();

    /// <summary>
    /// Buffers kept back for the log alone: compaction is the only way to free buffers the
    /// log pins, so it must be able to write its records even when every other buffer is
    /// taken.
    /// </summary>
    public int StashTarget { get; set; }

    public int Stashed => _stash.Count;

    /// <summary>Bytes written so far (compaction measures what its own records took).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Copies <paramref name="bytes"/> into fresh packet buffers and adds the extents to
    /// <paramref name="extents"/>. Returns false, having written nothing, when no buffer is free.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> bytes, List<PbufExtent> extents)
    {
        int start = extents.Count;
        while (bytes.Length > 0)
        {
            if (_current < 0 || _used == pool.BufferSize)
            {
                if (!pool.TryAllocate(out int next) && !_stash.TryPop(out next))
                {
                    extents.RemoveRange(start, extents.Count - start);
                    return false;
                }
                if (_current >= 0) _retired.Add(_current);
                _current = next;
                _used = 0;
            }
            int n = Math.Min(bytes.Length, pool.BufferSize - _used);
            bytes[..n].CopyTo(pool.Write(_current, _used, n));
            extents.Add(new PbufExtent(_current, _used, n));
            _used += n;
            BytesWritten += n;
            bytes = bytes[n..];
        }
        return true;
    }

    /// <summary>Lets go of the buffers moved past: their extents are referenced by now, or were dropped.</summary>
    public void Settle()
    {
        foreach (var index in _retired) pool.Release(index);
        _retired.Clear();
        while (_stash.Count < StashTarget && pool.FreeCount > StashTarget && pool.TryAllocate(out int index))
            _stash.Push(index);
        while (_stash.Count > StashTarget) pool.Release(_stash.Pop());
    }

    /// <summary>Drops the writer's hold on its current buffer (shutdown, after recovery).</summary>
    public void Reset()
    {
        Settle();
        while (_stash.TryPop(out int index)) pool.Release(index);
        if (_current >= 0) pool.Release(_current);
        _current = -1;
        _used = 0;
    }
}
