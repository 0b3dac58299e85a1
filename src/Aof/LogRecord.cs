using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using PasteRedis.Paste;

namespace PasteRedis.Aof;

[Flags]
public enum RecordFlags : byte
{
    None = 0,
    /// <summary>More records of the same atomic group follow; recovery applies a group whole or not at all.</summary>
    GroupContinues = 1,
}

/// <summary>
/// The on-NVMM layout of one log record: a 32-byte header, then one 8-byte reference per
/// extent of the command's bytes (packet buffer index &lt;&lt; 32 | offset &lt;&lt; 16 | length,
/// the paper's reference format). Received data is never in the log. A command the server
/// composed itself (absolute forms, a compaction's collections) has no received bytes to
/// point at: its record has no extents and the command follows the header inline, so
/// writing it never needs a free packet buffer (a compaction must run when none is left).
///
/// <code>
///  0 u32 magic "PREC"     4 u32 crc32c over bytes 8..end and every referenced byte
///  8 u64 sequence        16 u16 database   18 u8 flags   19 u8 0
/// 20 u16 extent count    22 u16 0          24 u32 command length   28 u32 generation
/// 32 u64 × extent count
/// </code>
/// </summary>
public static class LogRecord
{
    public const uint Magic = 0x43455250; // "PREC"
    public const int HeaderSize = 32;
    public const int MaxExtents = 4096;

    public static int Size(int extents) => HeaderSize + 8 * extents;

    /// <summary>The size of a record holding <paramref name="length"/> command bytes inline.</summary>
    public static int InlineSize(int length) => HeaderSize + length;

    /// <summary>The record's size from its extent count and length fields (a header at least).</summary>
    public static long SizeFromHeader(ReadOnlySpan<byte> header)
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(header[20..]);
        return count > 0 ? Size(count) : HeaderSize + (long)BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
    }

    /// <summary>
    /// Writes the header of a record whose <paramref name="length"/> command bytes the caller
    /// already put after it; the checksum covers them like referenced bytes.
    /// </summary>
    public static void WriteInline(Span<byte> dest, ulong sequence, uint generation, int db, RecordFlags flags, int length)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(dest[8..], sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[16..], (ushort)db);
        dest[18] = (byte)flags;
        dest[19] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(dest[20..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[22..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[24..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[28..], generation);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[4..], Crc32C.Finish(Crc32C.Append(Crc32C.Seed, dest[8..InlineSize(length)])));
        BinaryPrimitives.WriteUInt32LittleEndian(dest, Magic);
    }

    public static ulong Pack(in PbufExtent e) => ((ulong)(uint)e.Index << 32) | ((ulong)(uint)e.Offset << 16) | (ushort)e.Length;

    public static PbufExtent Unpack(ulong v) => new((int)(v >> 32), (int)((v >> 16) & 0xFFFF), (int)(v & 0xFFFF));

    /// <summary>Writes the header and extents; the checksum covers them and the referenced bytes.</summary>
    public static void Write(Span<byte> dest, ulong sequence, uint generation, int db, RecordFlags flags,
        ReadOnlySpan<PbufExtent> extents, PacketBufferPool pool)
    {
        uint length = 0;
        for (int i = 0; i < extents.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(dest[(HeaderSize + 8 * i)..], Pack(extents[i]));
            length += (uint)extents[i].Length;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(dest[8..], sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[16..], (ushort)db);
        dest[18] = (byte)flags;
        dest[19] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(dest[20..], (ushort)extents.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[22..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[24..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[28..], generation);
        uint crc = Checksum(dest[..Size(extents.Length)], extents, pool);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[4..], crc);
        // The magic goes last: a record is recognisable only once it is whole in memory.
        BinaryPrimitives.WriteUInt32LittleEndian(dest, Magic);
    }

    private static uint Checksum(ReadOnlySpan<byte> record, ReadOnlySpan<PbufExtent> extents, PacketBufferPool pool)
    {
        uint crc = Crc32C.Append(Crc32C.Seed, record[8..]);
        foreach (var e in extents) crc = Crc32C.Append(crc, pool.Read(e));
        return Crc32C.Finish(crc);
    }

    /// <summary>A record as read back during recovery.</summary>
    public readonly record struct Header(ulong Sequence, uint Generation, int Database, RecordFlags Flags, int ExtentCount, uint Length);

    /// <summary>
    /// Validates the record at the start of <paramref name="src"/>: magic, sequence,
    /// extents inside the region, length, checksum. Returns its size, or 0 when it is not
    /// a valid record (the end of the valid prefix).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int TryRead(ReadOnlySpan<byte> src, ulong expectedSequence, uint minGeneration, uint maxGeneration, PacketBufferPool pool,
        List<PbufExtent> extents, out Header header, out string? problem)
    {
        header = default;
        extents.Clear();
        problem = null;
        if (src.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(src) != Magic)
            return Fail("no record", out problem);
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(src[8..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(src[20..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(src[24..]);
        if (seq != expectedSequence) return Fail($"sequence {seq}, expected {expectedSequence}", out problem);
        uint generation = BinaryPrimitives.ReadUInt32LittleEndian(src[28..]);
        // Generations never go back: a stale record left beyond an earlier truncation is not part of the log.
        if (generation < minGeneration || generation > maxGeneration)
            return Fail($"generation {generation} outside {minGeneration}..{maxGeneration}", out problem);
        if (count == 0)
        {
            // The command inline after the header.
            if (length == 0 || (long)InlineSize(0) + length > src.Length) return Fail($"bad inline length {length}", out problem);
            int inline = InlineSize((int)length);
            if (Crc32C.Finish(Crc32C.Append(Crc32C.Seed, src[8..inline])) != BinaryPrimitives.ReadUInt32LittleEndian(src[4..]))
                return Fail("checksum mismatch (record damaged)", out problem);
            header = new Header(seq, generation, BinaryPrimitives.ReadUInt16LittleEndian(src[16..]), (RecordFlags)src[18], 0, length);
            return inline;
        }
        if (count > MaxExtents || Size(count) > src.Length) return Fail($"bad extent count {count}", out problem);
        uint sum = 0;
        for (int i = 0; i < count; i++)
        {
            var e = Unpack(BinaryPrimitives.ReadUInt64LittleEndian(src[(HeaderSize + 8 * i)..]));
            if (e.Index >= pool.Count || e.Length == 0 || e.Offset + e.Length > pool.BufferSize)
                return Fail($"reference {e.Index}@{e.Offset}+{e.Length} points outside the packet-buffer region", out problem);
            extents.Add(e);
            sum += (uint)e.Length;
        }
        if (sum != length) return Fail("length does not match its references", out problem);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(src[4..]);
        if (Checksum(src[..Size(count)], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(extents), pool) != expected)
            return Fail("checksum mismatch (record or referenced bytes damaged)", out problem);
        header = new Header(seq, generation, BinaryPrimitives.ReadUInt16LittleEndian(src[16..]), (RecordFlags)src[18], count, length);
        return Size(count);
    }

    /// <summary>
    /// The extents of a record this process wrote and already validated or made durable
    /// (releasing a replaced log's references): the header is trusted, no checksum is
    /// computed over the referenced bytes. Returns the record's size, or 0 at the end.
    /// </summary>
    public static int ReadTrustedExtents(ReadOnlySpan<byte> src, List<PbufExtent> extents)
    {
        extents.Clear();
        if (src.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(src) != Magic) return 0;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(src[20..]);
        if (count == 0)
        {
            long inline = SizeFromHeader(src);
            return inline > HeaderSize && inline <= src.Length ? (int)inline : 0; // inline: nothing referenced
        }
        if (Size(count) > src.Length) return 0;
        for (int i = 0; i < count; i++)
            extents.Add(Unpack(BinaryPrimitives.ReadUInt64LittleEndian(src[(HeaderSize + 8 * i)..])));
        return Size(count);
    }

    private static int Fail(string why, out string? problem)
    {
        problem = why;
        return 0;
    }
}
