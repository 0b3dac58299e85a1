using PasteRedis.Paste;

namespace PasteRedis.Aof;

/// <summary>
/// Packet buffers the log writes itself: commands in absolute form (PEXPIREAT, DEL, SET
/// for INCRBYFLOAT), copies in copy mode, relocated values. Bytes are appended into the
/// current buffer and handed out as extents; each record that references them takes its
/// own reference, the writer holds one on its current buffer. Flushing them is the
/// caller's business (they are part of the record's referenced bytes).
/// </summary>
public sealed class FreshBuffers(PacketBufferPool pool)
{
    private int _current = -1;
    private int _used;

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
                if (!pool.TryAllocate(out int next))
                {
                    extents.RemoveRange(start, extents.Count - start);
                    return false;
                }
                if (_current >= 0) pool.Release(_current);
                _current = next;
                _used = 0;
            }
            int n = Math.Min(bytes.Length, pool.BufferSize - _used);
            bytes[..n].CopyTo(pool.Write(_current, _used, n));
            extents.Add(new PbufExtent(_current, _used, n));
            _used += n;
            bytes = bytes[n..];
        }
        return true;
    }

    /// <summary>Drops the writer's hold on its current buffer (shutdown, after recovery).</summary>
    public void Reset()
    {
        if (_current >= 0) pool.Release(_current);
        _current = -1;
        _used = 0;
    }
}
