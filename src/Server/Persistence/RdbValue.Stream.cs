using System.Buffers.Binary;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>Streams in DUMP/RESTORE payloads: Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2 (and 5–6.2's form, read).</summary>
internal static partial class RdbValue
{
    /// <summary>
    /// A stream as Redis 7.0's rdbSaveObject writes it: each node as its master ID (16 bytes,
    /// big-endian) and a listpack in t_stream.c's layout (a master entry of counts and field
    /// names, then per entry its flags, ID deltas, fields or only values when they are the
    /// master's, and its element count); then length, last, first and max-deleted IDs,
    /// entries-added; then each group: name, last-delivered ID, read counter, pending entries
    /// (raw ID, delivery time, count) and consumers (name, seen time, their pending IDs).
    /// Only live entries are written: a node's deleted ones were dropped with their bytes.
    /// </summary>
    private static void WriteStream(Stream w, StreamObject st)
    {
        var nodes = new List<(StreamNode Node, int First, int Count)>();
        for (int i = 0; i < st.Length; i++)
        {
            if (nodes.Count > 0 && nodes[^1].Node == st[i].Node) nodes[^1] = (nodes[^1].Node, nodes[^1].First, nodes[^1].Count + 1);
            else nodes.Add((st[i].Node, i, 1));
        }
        WriteLength(w, nodes.Count);
        Span<byte> id = stackalloc byte[16];
        foreach (var (node, first, count) in nodes)
        {
            WriteRawId(id, node.MasterId);
            WriteString(w, id);
            var master = st[first].FieldsAndValues;
            var lp = new ListpackWriter();
            lp.Integer(count);
            lp.Integer(0); // deleted
            lp.Integer(master.Length / 2);
            for (int f = 0; f < master.Length; f += 2) lp.String(master[f]);
            lp.Integer(0); // the master entry's terminator
            for (int i = first; i < first + count; i++)
            {
                var e = st[i];
                var fv = e.FieldsAndValues;
                bool same = fv.Length == master.Length;
                for (int f = 0; same && f < fv.Length; f += 2) same = fv[f].AsSpan().SequenceEqual(master[f]);
                lp.Integer(same ? 2 : 0); // STREAM_ITEM_FLAG_SAMEFIELDS
                lp.Integer((long)(e.Id.Ms - node.MasterId.Ms));
                lp.Integer((long)(e.Id.Seq - node.MasterId.Seq));
                if (same)
                    for (int f = 1; f < fv.Length; f += 2) lp.String(fv[f]);
                else
                {
                    lp.Integer(fv.Length / 2);
                    foreach (var b in fv) lp.String(b);
                }
                lp.Integer(same ? fv.Length / 2 + 3 : fv.Length + 4); // lp-count: this entry's elements
            }
            WriteString(w, lp.ToArray());
        }
        WriteLength(w, st.Length);
        WriteId(w, st.LastId);
        WriteId(w, st.FirstId);
        WriteId(w, st.MaxDeletedId);
        WriteLength(w, st.EntriesAdded);
        WriteLength(w, st.Groups.Count);
        Span<byte> time = stackalloc byte[8];
        foreach (var g in st.Groups.Values)
        {
            WriteString(w, g.Name);
            WriteId(w, g.LastDelivered);
            WriteLength(w, (ulong)g.EntriesRead); // -1 (unknown) as Redis's uint64
            WriteLength(w, g.Pending.Count);
            foreach (var p in g.Pending.Values)
            {
                WriteRawId(id, p.Id);
                w.Write(id);
                BinaryPrimitives.WriteInt64LittleEndian(time, p.DeliveryTime);
                w.Write(time);
                WriteLength(w, p.DeliveryCount);
            }
            WriteLength(w, g.Consumers.Count);
            foreach (var c in g.Consumers.Values)
            {
                WriteString(w, c.Name);
                BinaryPrimitives.WriteInt64LittleEndian(time, c.SeenTime);
                w.Write(time);
                WriteLength(w, c.Pending.Count);
                foreach (var pid in c.Pending.Keys)
                {
                    WriteRawId(id, pid);
                    w.Write(id);
                }
            }
        }
    }

    private static void WriteId(Stream w, StreamId id)
    {
        WriteLength(w, id.Ms);
        WriteLength(w, id.Seq);
    }

    /// <summary>A stream ID as Redis's radix trees key it: milliseconds then sequence, 8 bytes each, big-endian.</summary>
    private static void WriteRawId(Span<byte> into, StreamId id)
    {
        BinaryPrimitives.WriteUInt64BigEndian(into, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(into[8..], id.Seq);
    }

    /// <summary>A listpack (listpack.c): total bytes, element count, elements each with its back-length, 0xFF.</summary>
    private sealed class ListpackWriter
    {
        private readonly MemoryStream _body = new();
        private int _count;

        /// <summary>The smallest integer encoding: 7-bit unsigned, 13, 16, 24, 32 or 64-bit signed.</summary>
        public void Integer(long v)
        {
            Span<byte> e = stackalloc byte[9];
            int n;
            if (v is >= 0 and <= 127) { e[0] = (byte)v; n = 1; }
            else if (v is >= -4096 and <= 4095) { e[0] = (byte)(0xC0 | ((v >> 8) & 0x1F)); e[1] = (byte)v; n = 2; }
            else if (v is >= short.MinValue and <= short.MaxValue) { e[0] = 0xF1; BinaryPrimitives.WriteInt16LittleEndian(e[1..], (short)v); n = 3; }
            else if (v is >= -(1 << 23) and < 1 << 23) { e[0] = 0xF2; e[1] = (byte)v; e[2] = (byte)(v >> 8); e[3] = (byte)(v >> 16); n = 4; }
            else if (v is >= int.MinValue and <= int.MaxValue) { e[0] = 0xF3; BinaryPrimitives.WriteInt32LittleEndian(e[1..], (int)v); n = 5; }
            else { e[0] = 0xF4; BinaryPrimitives.WriteInt64LittleEndian(e[1..], v); n = 9; }
            Element(e[..n], []);
        }

        /// <summary>A string: 6, 12 or 32-bit length, then the bytes.</summary>
        public void String(ReadOnlySpan<byte> s)
        {
            Span<byte> h = stackalloc byte[5];
            int n;
            if (s.Length < 64) { h[0] = (byte)(0x80 | s.Length); n = 1; }
            else if (s.Length < 4096) { h[0] = (byte)(0xE0 | (s.Length >> 8)); h[1] = (byte)s.Length; n = 2; }
            else { h[0] = 0xF0; BinaryPrimitives.WriteInt32LittleEndian(h[1..], s.Length); n = 5; }
            Element(h[..n], s);
        }

        private void Element(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
        {
            _body.Write(header);
            _body.Write(data);
            // The back-length: the element's size, 7 bits a byte, most significant first, all but the first with the high bit.
            long l = header.Length + data.Length;
            int bytes = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
            for (int i = bytes - 1; i >= 0; i--)
                _body.WriteByte((byte)((int)((l >> (7 * i)) & 127) | (i == bytes - 1 ? 0 : 128)));
            _count++;
        }

        public byte[] ToArray()
        {
            var lp = new byte[6 + _body.Length + 1];
            BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)lp.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)Math.Min(_count, 65535));
            _body.ToArray().CopyTo(lp, 6);
            lp[^1] = 0xFF;
            return lp;
        }
    }

    /// <summary>
    /// A stream as <see cref="WriteStream"/> lays it out, deleted entries (flag 1) counted in
    /// their node but not kept. Redis 5–6.2's form lacks the first and max-deleted IDs,
    /// entries-added and the groups' read counters.
    /// </summary>
    private static StreamObject ReadStream(Reader r, byte[] key, bool v2)
    {
        var st = new StreamObject(key);
        long live = 0;
        for (long nodes = r.Length(); nodes > 0; nodes--)
        {
            var nodeKey = r.String();
            if (nodeKey.Length != 16) throw new FormatException("stream node key");
            var master = ReadRawId(nodeKey);
            var blob = r.String();
            var lp = Listpack(blob);
            int at = 0;
            long Next() => at < lp.Count && PasteRedis.Resp.RespNumber.TryParseInt64(lp[at++], out long v) ? v : throw new FormatException("stream listpack");
            byte[] Item() => at < lp.Count ? lp[at++] : throw new FormatException("stream listpack");
            long count = Next(), deleted = Next(), masterFields = Next();
            if (count < 0 || deleted < 0 || masterFields < 0 || masterFields > lp.Count) throw new FormatException("stream master entry");
            var fieldNames = new byte[masterFields][];
            for (int f = 0; f < masterFields; f++) fieldNames[f] = Item();
            if (Next() != 0) throw new FormatException("stream master entry");
            var entries = new List<(StreamId Id, byte[][] FieldsAndValues)>();
            var last = master;
            long seen = 0;
            while (at < lp.Count)
            {
                long flags = Next();
                var id = new StreamId(master.Ms + (ulong)Next(), master.Seq + (ulong)Next());
                byte[][] fv;
                if ((flags & 2) != 0)
                {
                    fv = new byte[masterFields * 2][];
                    for (int f = 0; f < masterFields; f++) (fv[2 * f], fv[2 * f + 1]) = (fieldNames[f], Item());
                }
                else
                {
                    long n = Next();
                    if (n < 0 || n > lp.Count) throw new FormatException("stream entry");
                    fv = new byte[n * 2][];
                    for (int f = 0; f < fv.Length; f++) fv[f] = Item();
                }
                Next(); // lp-count
                if (id <= last && seen > 0) throw new FormatException("stream IDs out of order");
                last = id;
                seen++;
                if ((flags & 1) == 0) entries.Add((id, fv));
            }
            if (entries.Count != count) throw new FormatException("stream node count");
            if (st.Last is { } previous && entries.Count > 0 && entries[0].Id <= previous.Id) throw new FormatException("stream IDs out of order");
            st.LoadNode(master, (int)deleted, last, blob.Length, entries);
            live += entries.Count;
        }
        long length = r.Length();
        if (length != live) throw new FormatException("stream length");
        st.LastId = ReadId(r);
        if (v2)
        {
            ReadId(r); // the first entry's, which the entries give
            st.MaxDeletedId = ReadId(r);
            st.EntriesAdded = (long)r.ULength();
        }
        else st.EntriesAdded = length;
        for (long groups = r.Length(); groups > 0; groups--)
        {
            var name = r.String();
            var lastDelivered = ReadId(r);
            long entriesRead = v2 ? (long)r.ULength() : -1;
            var group = new ConsumerGroup(name, lastDelivered, entriesRead);
            var nacks = new Dictionary<StreamId, (long Time, long Count)>();
            for (long n = r.Length(); n > 0; n--)
            {
                var id = ReadRawId(r.Raw(16));
                long time = BinaryPrimitives.ReadInt64LittleEndian(r.Raw(8));
                nacks[id] = (time, r.Length());
            }
            for (long consumers = r.Length(); consumers > 0; consumers--)
            {
                var consumer = new StreamConsumer(r.String(), BinaryPrimitives.ReadInt64LittleEndian(r.Raw(8)));
                for (long n = r.Length(); n > 0; n--)
                {
                    var id = ReadRawId(r.Raw(16));
                    if (!nacks.TryGetValue(id, out var nack) || group.Pending.ContainsKey(id)) throw new FormatException("consumer pending entry");
                    var pending = new PendingEntry(id, consumer, nack.Time, nack.Count);
                    consumer.Pending[id] = pending;
                    group.Pending[id] = pending;
                }
                if (!group.Consumers.TryAdd(consumer.Name, consumer)) throw new FormatException("duplicate consumer");
            }
            if (group.Pending.Count != nacks.Count) throw new FormatException("group pending entry without a consumer");
            if (!st.Groups.TryAdd(name, group)) throw new FormatException("duplicate group");
        }
        return st;
    }

    private static StreamId ReadId(Reader r) => new(r.ULength(), r.ULength());

    private static StreamId ReadRawId(ReadOnlySpan<byte> raw) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw[8..]));
}
