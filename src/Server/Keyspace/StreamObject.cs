using PasteRedis.Paste;

namespace PasteRedis.Server.Keyspace;

/// <summary>A stream entry ID: milliseconds and a sequence number, ordered as a pair.</summary>
internal readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Min = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    public int CompareTo(StreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);
    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public bool IsZero => Ms == 0 && Seq == 0;

    /// <summary>The next ID (for exclusive ranges); false past the maximum.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq != ulong.MaxValue) next = new StreamId(Ms, Seq + 1);
        else if (Ms != ulong.MaxValue) next = new StreamId(Ms + 1, 0);
        else
        {
            next = this;
            return false;
        }
        return true;
    }

    public bool TryDecrement(out StreamId previous)
    {
        if (Seq != 0) previous = new StreamId(Ms, Seq - 1);
        else if (Ms != 0) previous = new StreamId(Ms - 1, ulong.MaxValue);
        else
        {
            previous = this;
            return false;
        }
        return true;
    }

    public override string ToString() => $"{Ms}-{Seq}";
}

/// <summary>One entry: its ID, its field/value pairs (flattened) and the node it was appended to.</summary>
internal sealed class StreamEntry(StreamId id, byte[][] fieldsAndValues, StreamNode node)
{
    public StreamId Id { get; } = id;
    public byte[][] FieldsAndValues { get; } = fieldsAndValues;
    public StreamNode Node { get; } = node;
}

/// <summary>
/// Redis keeps a stream's entries in radix-tree nodes of listpacks holding up to
/// stream-node-max-entries entries (deleted ones included) or stream-node-max-bytes; "~"
/// trimming removes whole nodes only. Only that bookkeeping is kept here (the entries are
/// in one ordered list), so that approximate trimming leaves what Redis leaves.
/// </summary>
internal sealed class StreamNode
{
    public int Live, Deleted;
    public long Bytes;
    public StreamId LastId; // of the last entry appended, deleted or not
    public StreamId MasterId; // of the first entry appended: the node's key in Redis's radix tree
}

/// <summary>A delivered, not yet acknowledged entry of a consumer group (Redis's streamNACK).</summary>
internal sealed class PendingEntry(StreamId id, StreamConsumer consumer, long deliveryTime, long deliveryCount)
{
    public StreamId Id { get; } = id;
    public StreamConsumer Consumer { get; set; } = consumer;
    public long DeliveryTime { get; set; } = deliveryTime;
    public long DeliveryCount { get; set; } = deliveryCount;
}

internal sealed class StreamConsumer(byte[] name, long seenTime)
{
    public byte[] Name { get; } = name;
    public long SeenTime { get; set; } = seenTime;
    public SortedDictionary<StreamId, PendingEntry> Pending { get; } = new();

    /// <summary>Last successful read or claim (Redis 7.2's active-time), -1 before the first.</summary>
    public long ActiveTime { get; set; } = -1;
}

internal sealed class ConsumerGroup(byte[] name, StreamId lastDelivered, long entriesRead)
{
    public byte[] Name { get; } = name;
    public StreamId LastDelivered { get; set; } = lastDelivered;

    /// <summary>Entries the group has read (Redis 7's lag tracking), or -1 when unknown.</summary>
    public long EntriesRead { get; set; } = entriesRead;

    public SortedDictionary<StreamId, PendingEntry> Pending { get; } = new();

    /// <summary>By name in byte order, as Redis's radix tree lists them.</summary>
    public SortedDictionary<byte[], StreamConsumer> Consumers { get; } = new(ByteOrder.Instance);
}

/// <summary>Byte-wise ordering of names (Redis keeps groups and consumers in radix trees).</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static readonly ByteOrder Instance = new();
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}

/// <summary>
/// A stream (Redis's t_stream.c): entries in ID order in managed memory, the last ID ever
/// generated, Redis 7's counters (entries added, the largest deleted ID, the first ID), and
/// consumer groups with their pending entries.
/// </summary>
internal sealed class StreamObject(byte[] key) : RedisObject(key)
{
    private readonly List<StreamEntry> _entries = [];
    private int _start; // entries before it were trimmed from the front
    private readonly List<StreamNode> _nodes = [];
    private int _nodeStart;

    public override RedisType Type => RedisType.Stream;
    public override string Encoding(PacketBufferPool? pool) => "stream";

    public int Length => _entries.Count - _start;
    public StreamId LastId { get; set; }
    public StreamId MaxDeletedId { get; set; }
    public long EntriesAdded { get; set; }

    /// <summary>By name in byte order, as Redis's radix tree lists them.</summary>
    public SortedDictionary<byte[], ConsumerGroup> Groups { get; } = new(ByteOrder.Instance);

    public StreamEntry this[int i] => _entries[_start + i];
    public StreamEntry? First => Length > 0 ? this[0] : null;
    public StreamEntry? Last => Length > 0 ? this[Length - 1] : null;

    /// <summary>The ID of the first entry, 0-0 for an empty stream.</summary>
    public StreamId FirstId => Length > 0 ? this[0].Id : StreamId.Min;

    private int NodeCount => _nodes.Count - _nodeStart;

    /// <summary>Nodes holding the entries (Redis's radix-tree-keys).</summary>
    public int NodeKeys => NodeCount;

    /// <summary>
    /// Redis's radix-tree-nodes: the nodes of a compressed radix tree (rax) over the nodes'
    /// 16-byte big-endian master IDs: a node per shared path, per branching point and per
    /// key. That is the tree Redis builds by inserting them; after deletions its own tree
    /// may keep a node or two this count does not have.
    /// </summary>
    public int RadixTreeNodes()
    {
        var keys = new List<byte[]>(NodeCount);
        for (int i = _nodeStart; i < _nodes.Count; i++)
        {
            var k = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k, _nodes[i].MasterId.Ms);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k.AsSpan(8), _nodes[i].MasterId.Seq);
            keys.Add(k);
        }
        keys.Sort(ByteOrder.Instance);
        return keys.Count == 0 ? 1 : Subtree(keys, 0, keys.Count, 0);
    }

    private static int Subtree(List<byte[]> keys, int lo, int hi, int depth)
    {
        if (hi - lo == 1) return (16 - depth >= 1 ? 1 : 0) + 1; // the rest of the key, then the key's node
        int common = 0;
        while (depth + common < 16 && keys[lo][depth + common] == keys[hi - 1][depth + common]) common++;
        int nodes = (common >= 1 ? 1 : 0) + 1; // the shared path, then the branching node
        int at = depth + common;
        for (int start = lo; start < hi;)
        {
            int end = start + 1;
            while (end < hi && keys[end][at] == keys[start][at]) end++;
            nodes += Subtree(keys, start, end, at + 1);
            start = end;
        }
        return nodes;
    }

    /// <summary>Appends an entry with an ID above <see cref="LastId"/>, in a new node when the tail one is full (streamAppendItem).</summary>
    public void Append(StreamId id, byte[][] fieldsAndValues, int nodeMaxEntries, long nodeMaxBytes)
    {
        long elementBytes = 0;
        foreach (var b in fieldsAndValues) elementBytes += b.Length;
        var tail = NodeCount > 0 ? _nodes[^1] : null;
        if (tail != null)
        {
            long maxBytes = nodeMaxBytes <= 0 || nodeMaxBytes > int.MaxValue ? int.MaxValue : nodeMaxBytes;
            if (tail.Bytes + elementBytes >= maxBytes || (nodeMaxEntries > 0 && tail.Live + tail.Deleted >= nodeMaxEntries)) tail = null;
        }
        if (tail == null)
        {
            tail = new StreamNode { Bytes = 7 + ListpackBytes(fieldsAndValues, master: true), MasterId = id };
            _nodes.Add(tail);
        }
        tail.Bytes += ListpackBytes(fieldsAndValues, master: false);
        tail.Live++;
        tail.LastId = id;
        _entries.Add(new StreamEntry(id, fieldsAndValues, tail));
        LastId = id;
        EntriesAdded++;
    }

    /// <summary>
    /// RESTORE: a node as the payload laid it out (its master ID, the entries it counts as
    /// deleted, the ID of its last entry deleted or not, its listpack's bytes) with its live
    /// entries, after every node before it. Does not count them as added (the payload says).
    /// </summary>
    public void LoadNode(StreamId masterId, int deleted, StreamId lastId, long bytes, List<(StreamId Id, byte[][] FieldsAndValues)> entries)
    {
        var node = new StreamNode { MasterId = masterId, Deleted = deleted, LastId = lastId, Bytes = bytes, Live = entries.Count };
        _nodes.Add(node);
        foreach (var (id, fv) in entries) _entries.Add(new StreamEntry(id, fv, node));
    }

    /// <summary>An estimate of a listpack's bytes for the entry (or the master entry of a new node), for stream-node-max-bytes.</summary>
    private static long ListpackBytes(byte[][] fieldsAndValues, bool master)
    {
        long bytes = 0;
        for (int i = master ? 0 : 1; i < fieldsAndValues.Length; i += master ? 2 : 1)
        {
            int len = fieldsAndValues[i].Length;
            bytes += len + (len < 64 ? 1 : len < 4096 ? 2 : 5) + (len < 127 ? 1 : 2);
        }
        return bytes + (master ? 8 : 8); // counters and terminator / flags, ID deltas and back-count
    }

    /// <summary>Index of the first entry with ID ≥ <paramref name="id"/> (Length when none).</summary>
    public int LowerBound(StreamId id)
    {
        int lo = 0, hi = Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (this[mid].Id < id) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public StreamEntry? Find(StreamId id)
    {
        int i = LowerBound(id);
        return i < Length && this[i].Id == id ? this[i] : null;
    }

    /// <summary>XDEL of one ID; true when it was there. A node left without live entries goes.</summary>
    public bool Delete(StreamId id)
    {
        int i = LowerBound(id);
        if (i >= Length || this[i].Id != id) return false;
        var node = this[i].Node;
        _entries.RemoveAt(_start + i);
        node.Live--;
        node.Deleted++;
        if (node.Live == 0) RemoveNode(node);
        if (id > MaxDeletedId) MaxDeletedId = id;
        return true;
    }

    private void RemoveNode(StreamNode node)
    {
        int i = _nodes.IndexOf(node, _nodeStart);
        if (i == _nodeStart)
        {
            _nodes[i] = null!;
            _nodeStart++;
            if (_nodeStart > 64 && _nodeStart > _nodes.Count / 2)
            {
                _nodes.RemoveRange(0, _nodeStart);
                _nodeStart = 0;
            }
        }
        else if (i >= 0) _nodes.RemoveAt(i);
    }

    /// <summary>
    /// XTRIM / XADD trimming (streamTrim): by MAXLEN (<paramref name="minId"/> null) or by MINID;
    /// whole nodes from the head, then, unless <paramref name="approx"/>, entries inside the next
    /// one; at most <paramref name="limit"/> entries (0 = no limit). Returns the entries removed.
    /// </summary>
    public long Trim(long maxLen, StreamId? minId, bool approx, long limit)
    {
        long removed = 0;
        if (minId == null && Length <= maxLen) return 0;
        while (NodeCount > 0)
        {
            var node = _nodes[_nodeStart];
            if (limit > 0 && removed + node.Live > limit) break;
            bool removeNode = minId is { } min ? node.LastId < min : Length - node.Live >= maxLen;
            if (removeNode)
            {
                removed += node.Live;
                RemoveFirstEntries(node.Live);
                _nodes[_nodeStart++] = null!;
                continue;
            }
            if (approx) break;
            // Inside this node, entry by entry.
            while (Length > 0 && this[0].Node == node && (minId is { } m ? this[0].Id < m : Length > maxLen))
            {
                RemoveFirstEntries(1);
                node.Live--;
                node.Deleted++;
                removed++;
            }
            break;
        }
        if (_nodeStart > 64 && _nodeStart > _nodes.Count / 2)
        {
            _nodes.RemoveRange(0, _nodeStart);
            _nodeStart = 0;
        }
        return removed;
    }

    private void RemoveFirstEntries(int count)
    {
        if (count <= 0) return;
        // Trimming leaves no tombstones: max-deleted-entry-id counts XDEL only, as in Redis.
        for (int i = 0; i < count; i++) _entries[_start + i] = null!;
        _start += count;
        if (_start > 64 && _start > _entries.Count / 2)
        {
            _entries.RemoveRange(0, _start);
            _start = 0;
        }
    }

    public override RedisObject CloneAs(byte[] key, PacketBufferPool? pool)
    {
        var copy = new StreamObject(key);
        var nodes = new Dictionary<StreamNode, StreamNode>();
        for (int i = _nodeStart; i < _nodes.Count; i++)
        {
            var n = _nodes[i];
            var c = new StreamNode { Live = n.Live, Deleted = n.Deleted, Bytes = n.Bytes, LastId = n.LastId, MasterId = n.MasterId };
            nodes[n] = c;
            copy._nodes.Add(c);
        }
        for (int i = 0; i < Length; i++) copy._entries.Add(new StreamEntry(this[i].Id, this[i].FieldsAndValues, nodes[this[i].Node]));
        (copy.LastId, copy.MaxDeletedId, copy.EntriesAdded) = (LastId, MaxDeletedId, EntriesAdded);
        foreach (var (name, group) in Groups)
        {
            var g = new ConsumerGroup(name, group.LastDelivered, group.EntriesRead);
            foreach (var (cname, consumer) in group.Consumers)
            {
                var c = new StreamConsumer(cname, consumer.SeenTime);
                g.Consumers[cname] = c;
                foreach (var (id, p) in consumer.Pending)
                {
                    var pe = new PendingEntry(id, c, p.DeliveryTime, p.DeliveryCount);
                    c.Pending[id] = pe;
                    g.Pending[id] = pe;
                }
            }
            copy.Groups[name] = g;
        }
        return copy;
    }
}
