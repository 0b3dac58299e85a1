using PasteRedis.Server.Keyspace;
using System.Numerics;
using System.Runtime.InteropServices;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// Bitmaps on string values (Redis's bitops.c): GETBIT, SETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD. Bit 0 is the most
/// significant bit of byte 0. SETBIT and BITOP are deterministic, so they are logged as received.
/// Commands/DifferentialTests holds each of them to the real redis-server's replies.
/// </summary>
internal static class BitCommands
{
    private const string BitOffsetError = "ERR bit offset is not an integer or out of range";

    /// <summary>The bit offset argument: 0 up to the bits of the largest string (proto-max-bulk-len).</summary>
    private static bool TryBitOffset(ClientSession c, int arg, out long offset)
    {
        if (RespNumber.TryParseInt64(c.Request.Arg(arg), out offset) && offset >= 0 && (offset >> 3) < c.Server.Config.ProtoMaxBulkLen)
            return true;
        c.Reply.Error(BitOffsetError);
        return false;
    }

    public static void GetBit(ClientSession c)
    {
        if (!TryBitOffset(c, 2, out long offset)) return;
        if (!StringCommands.TryGetString(c, c.Request.Arg(1), out var str)) return;
        var value = str == null ? ReadOnlySpan<byte>.Empty : str.Value(c.Server.Pool);
        long index = offset >> 3;
        c.Reply.Integer(index < value.Length && (value[(int)index] & (0x80 >> (int)(offset & 7))) != 0 ? 1 : 0);
    }

    /// <summary>SETBIT key offset 0|1: the string grows, zero-filled, to hold the bit; replies the bit's old value.</summary>
    public static void SetBit(ClientSession c)
    {
        if (!TryBitOffset(c, 2, out long offset)) return;
        if (!RespNumber.TryParseInt64(c.Request.Arg(3), out long on) || (on & ~1L) != 0)
        {
            c.Reply.Error("ERR bit is not an integer or out of range");
            return;
        }
        var key = c.Request.Arg(1);
        if (!StringCommands.TryGetString(c, key, out var str)) return;
        str ??= StringCommands.StoreBytes(c, key, ReadOnlySpan<byte>.Empty); // a new key counts as a change
        int index = (int)(offset >> 3), mask = 0x80 >> (int)(offset & 7);
        int length = str.Length;
        var bytes = str.Resize(c.Server.Pool, Math.Max(length, index + 1));
        int old = (bytes[index] & mask) != 0 ? 1 : 0;
        bytes[index] = (byte)(on != 0 ? bytes[index] | mask : bytes[index] & ~mask);
        if (bytes.Length > length || old != on) // as Redis: grown or flipped, else no change (WATCH holds, nothing notified)
        {
            c.Server.Events.Dirty++;
            c.Notify(NotifyClass.String, "setbit", key);
        }
        c.Reply.Integer(old);
    }

    /// <summary>
    /// BITOP AND|OR|XOR|NOT destkey key [key ...]: a missing key is an empty string, a
    /// shorter one is zero-padded; the result replaces destkey (TTL cleared), or an empty
    /// result deletes it. Replies the result's length. Deterministic: logged as received.
    /// </summary>
    public static void BitOp(ClientSession c)
    {
        var req = c.Request;
        int op = c.ArgIs(1, "AND"u8) ? 0 : c.ArgIs(1, "OR"u8) ? 1 : c.ArgIs(1, "XOR"u8) ? 2 : c.ArgIs(1, "NOT"u8) ? 3 : -1;
        if (op < 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (op == 3 && req.Count != 4)
        {
            c.Reply.Error("ERR BITOP NOT must be called with a single source key.");
            return;
        }
        // Copied out first: the destination may be a source, and storing reuses its buffer.
        var sources = new byte[req.Count - 3][];
        int length = 0;
        for (int i = 0; i < sources.Length; i++)
        {
            if (!StringCommands.TryGetString(c, req.Arg(i + 3), out var str)) return;
            if (str == null) c.KeyMiss(req.Arg(i + 3)); // a source is read (lookupKeyRead)
            sources[i] = str == null ? [] : str.Value(c.Server.Pool).ToArray();
            length = Math.Max(length, sources[i].Length);
        }
        var destKey = req.Arg(2);
        if (length == 0)
        {
            if (c.Db.Lookup(destKey, c.NowMs, touch: false) is { } existing)
            {
                c.Db.Remove(existing);
                c.Notify(NotifyClass.Generic, "del", destKey);
            }
            c.Reply.Integer(0);
            return;
        }
        var result = new byte[length];
        sources[0].CopyTo(result, 0);
        if (op == 3)
            for (int j = 0; j < length; j++) result[j] = (byte)~result[j];
        for (int i = 1; i < sources.Length; i++)
        {
            var src = sources[i];
            var r = result.AsSpan();
            int common = src.Length;
            if (op == 0)
            {
                AndInto(r[..common], src);
                r[common..].Clear(); // AND with the zero padding
            }
            else if (op == 1) OrInto(r[..common], src);
            else XorInto(r[..common], src);
        }
        StringCommands.StoreBytes(c, destKey, result).Raw = true; // Redis stores the result unencoded ("raw")
        c.Notify(NotifyClass.String, "set", destKey);
        c.Reply.Integer(length);
    }

    private enum Overflow { Wrap, Sat, Fail }

    private struct FieldOp
    {
        public int Kind; // 0 GET, 1 SET, 2 INCRBY
        public bool Signed;
        public int Bits;
        public long Offset;
        public long Value;
        public Overflow Overflow;
    }

    public static void BitField(ClientSession c) => BitFieldGeneric(c, readOnly: false);
    public static void BitFieldRo(ClientSession c) => BitFieldGeneric(c, readOnly: true);

    /// <summary>
    /// BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value |
    /// INCRBY type offset increment ...]: integers of 1-64 bits (i) or 1-63 (u) at any bit
    /// offset, "#n" meaning n times the width. Every operation is parsed before any runs;
    /// a write creates the key or grows it (zero-filled) to the farthest bit written, as
    /// Redis does. Deterministic: logged as received.
    /// </summary>
    private static void BitFieldGeneric(ClientSession c, bool readOnly)
    {
        var req = c.Request;
        var ops = new List<FieldOp>();
        var overflow = Overflow.Wrap;
        bool writes = false;
        long highestBit = 0;
        for (int j = 2; j < req.Count; j++)
        {
            int left = req.Count - j - 1;
            int kind;
            if (c.ArgIs(j, "GET"u8) && left >= 2) kind = 0;
            else if (c.ArgIs(j, "SET"u8) && left >= 3) kind = 1;
            else if (c.ArgIs(j, "INCRBY"u8) && left >= 3) kind = 2;
            else if (c.ArgIs(j, "OVERFLOW"u8) && left >= 1)
            {
                j++;
                if (c.ArgIs(j, "WRAP"u8)) overflow = Overflow.Wrap;
                else if (c.ArgIs(j, "SAT"u8)) overflow = Overflow.Sat;
                else if (c.ArgIs(j, "FAIL"u8)) overflow = Overflow.Fail;
                else
                {
                    c.Reply.Error("ERR Invalid OVERFLOW type specified");
                    return;
                }
                continue;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
            var op = new FieldOp { Kind = kind, Overflow = overflow };
            if (!TryFieldType(c, j + 1, out op.Signed, out op.Bits) || !TryFieldOffset(c, j + 2, op.Bits, out op.Offset)) return;
            if (kind != 0)
            {
                writes = true;
                highestBit = Math.Max(highestBit, op.Offset + op.Bits - 1);
                if (!c.TryLong(j + 3, out op.Value)) return;
            }
            ops.Add(op);
            j += kind == 0 ? 2 : 3;
        }

        if (writes && readOnly)
        {
            c.Reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
            return;
        }
        var key = req.Arg(1);
        if (!StringCommands.TryGetString(c, key, out var str)) return;
        if (str == null && !writes && c.CommandWrites) c.KeyMiss(key); // GETs only: Redis reads the key (lookupKeyRead)
        Span<byte> bytes = default;
        bool made = false, changed = false;
        if (writes)
        {
            made = str == null;
            str ??= StringCommands.StoreBytes(c, key, ReadOnlySpan<byte>.Empty);
            int length = str.Length;
            bytes = str.Resize(c.Server.Pool, (int)Math.Max(length, (highestBit >> 3) + 1));
            // Made or grown even if every write then fails (OVERFLOW FAIL): logged, so a restart keeps the
            // length. Redis signals (WATCH, tracking) only when a write went through, so the touch is ours to do.
            if (bytes.Length > length) c.Server.Events.Dirty++;
            made |= bytes.Length > length;
            c.KeysTouchedByHandler = true;
        }
        c.Reply.ArrayHeader(ops.Count);
        foreach (var op in ops)
        {
            if (op.Kind == 0)
            {
                var value = writes ? bytes : str == null ? ReadOnlySpan<byte>.Empty : str.Value(c.Server.Pool);
                ulong raw = ReadBits(value, op.Offset, op.Bits);
                c.Reply.Integer(op.Signed ? SignExtend(raw, op.Bits) : (long)raw);
                continue;
            }
            ulong old = ReadBits(bytes, op.Offset, op.Bits);
            bool overflowed;
            ulong newBits;
            long reply;
            if (op.Signed)
            {
                long oldValue = SignExtend(old, op.Bits);
                long result = op.Kind == 2 ? oldValue + op.Value : op.Value; // wraps as two's complement, like the C cast
                overflowed = SignedOverflow(op.Kind == 2 ? oldValue : op.Value, op.Kind == 2 ? op.Value : 0, op.Bits, op.Overflow, ref result);
                newBits = (ulong)result;
                reply = op.Kind == 2 ? result : oldValue;
            }
            else
            {
                ulong result = op.Kind == 2 ? old + (ulong)op.Value : (ulong)op.Value;
                overflowed = UnsignedOverflow(op.Kind == 2 ? old : (ulong)op.Value, op.Kind == 2 ? op.Value : 0, op.Bits, op.Overflow, ref result);
                newBits = result;
                reply = op.Kind == 2 ? (long)result : (long)old;
            }
            if (overflowed && op.Overflow == Overflow.Fail)
            {
                c.Reply.Null();
                continue;
            }
            WriteBits(bytes, op.Offset, op.Bits, newBits);
            if (made || ReadBits(bytes, op.Offset, op.Bits) != old) // Redis counts a change only when the bits changed
            {
                c.Server.Events.Dirty++;
                changed = true;
            }
            c.Reply.Integer(reply);
        }
        if (changed)
        {
            c.Server.Watches.Touch(c.Db, key, c);
            c.Notify(NotifyClass.String, "setbit", key); // once, as Redis
        }
    }

    /// <summary>i1..i64 or u1..u63 (lower-case, as Redis).</summary>
    private static bool TryFieldType(ClientSession c, int arg, out bool signed, out int bits)
    {
        var a = c.Request.Arg(arg);
        signed = a.Length > 0 && a[0] == (byte)'i';
        bits = 0;
        if (a.Length > 0 && (a[0] == (byte)'i' || a[0] == (byte)'u') && RespNumber.TryParseInt64(a[1..], out long n) &&
            n >= 1 && n <= (signed ? 64 : 63))
        {
            bits = (int)n;
            return true;
        }
        c.Reply.Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
        return false;
    }

    /// <summary>A bit offset, or "#n" for n fields of <paramref name="bits"/>; within proto-max-bulk-len.</summary>
    private static bool TryFieldOffset(ClientSession c, int arg, int bits, out long offset)
    {
        var a = c.Request.Arg(arg);
        bool hash = a.Length > 0 && a[0] == (byte)'#';
        if (RespNumber.TryParseInt64(hash ? a[1..] : a, out offset))
        {
            if (hash) offset = unchecked(offset * bits);
            if (offset >= 0 && (offset >> 3) < c.Server.Config.ProtoMaxBulkLen) return true;
        }
        c.Reply.Error(BitOffsetError);
        return false;
    }

    /// <summary>Bits [offset, offset+bits) as an unsigned number, most significant first; zeros past the end.</summary>
    private static ulong ReadBits(ReadOnlySpan<byte> value, long offset, int bits)
    {
        ulong result = 0;
        for (int j = 0; j < bits; j++, offset++)
        {
            long index = offset >> 3;
            int bit = index < value.Length ? (value[(int)index] >> (7 - (int)(offset & 7))) & 1 : 0;
            result = result << 1 | (uint)bit;
        }
        return result;
    }

    private static void WriteBits(Span<byte> value, long offset, int bits, ulong v)
    {
        for (int j = 0; j < bits; j++, offset++)
        {
            int index = (int)(offset >> 3), mask = 0x80 >> (int)(offset & 7);
            if (((v >> (bits - 1 - j)) & 1) != 0) value[index] |= (byte)mask;
            else value[index] &= (byte)~mask;
        }
    }

    private static long SignExtend(ulong v, int bits) => bits < 64 && (v & (1UL << (bits - 1))) != 0 ? (long)(v | (ulong.MaxValue << bits)) : (long)v;

    /// <summary>
    /// Whether <paramref name="value"/> + <paramref name="increment"/> leaves the signed range of
    /// <paramref name="bits"/>; with WRAP or SAT, <paramref name="result"/> becomes the wrapped or
    /// saturated value (Redis's checkSignedBitfieldOverflow).
    /// </summary>
    private static bool SignedOverflow(long value, long increment, int bits, Overflow mode, ref long result)
    {
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncrement = unchecked((long)((ulong)max - (ulong)value));
        long minIncrement = unchecked(min - value);
        bool up = value > max || (bits != 64 && increment > maxIncrement) || (value >= 0 && increment > 0 && increment > maxIncrement);
        bool down = !up && (value < min || (bits != 64 && increment < minIncrement) || (value < 0 && increment < 0 && increment < minIncrement));
        if (!up && !down) return false;
        if (mode == Overflow.Sat) result = up ? max : min;
        else if (mode == Overflow.Wrap)
        {
            ulong sum = unchecked((ulong)value + (ulong)increment);
            if (bits < 64)
            {
                ulong mask = ulong.MaxValue << bits;
                sum = (sum & (1UL << (bits - 1))) != 0 ? sum | mask : sum & ~mask;
            }
            result = (long)sum;
        }
        return true;
    }

    /// <summary>Redis's checkUnsignedBitfieldOverflow: the same for 1-63 bit unsigned fields.</summary>
    private static bool UnsignedOverflow(ulong value, long increment, int bits, Overflow mode, ref ulong result)
    {
        ulong max = (1UL << bits) - 1;
        long maxIncrement = unchecked((long)(max - value));
        long minIncrement = unchecked(-(long)value);
        bool up = value > max || (increment > 0 && increment > maxIncrement);
        bool down = !up && increment < 0 && increment < minIncrement;
        if (!up && !down) return false;
        if (mode == Overflow.Sat) result = up ? max : 0;
        else if (mode == Overflow.Wrap) result = unchecked(value + (ulong)increment) & max;
        return true;
    }

    private static void AndInto(Span<byte> into, ReadOnlySpan<byte> other)
    {
        int i = 0;
        for (; i + Vector<byte>.Count <= into.Length; i += Vector<byte>.Count)
            (new Vector<byte>(into[i..]) & new Vector<byte>(other[i..])).CopyTo(into[i..]);
        for (; i < into.Length; i++) into[i] &= other[i];
    }

    private static void OrInto(Span<byte> into, ReadOnlySpan<byte> other)
    {
        int i = 0;
        for (; i + Vector<byte>.Count <= into.Length; i += Vector<byte>.Count)
            (new Vector<byte>(into[i..]) | new Vector<byte>(other[i..])).CopyTo(into[i..]);
        for (; i < into.Length; i++) into[i] |= other[i];
    }

    private static void XorInto(Span<byte> into, ReadOnlySpan<byte> other)
    {
        int i = 0;
        for (; i + Vector<byte>.Count <= into.Length; i += Vector<byte>.Count)
            (new Vector<byte>(into[i..]) ^ new Vector<byte>(other[i..])).CopyTo(into[i..]);
        for (; i < into.Length; i++) into[i] ^= other[i];
    }

    /// <summary>BITCOUNT key [start end [BYTE | BIT]]: set bits in the value, or in a byte or bit range of it.</summary>
    public static void BitCount(ClientSession c)
    {
        var req = c.Request;
        // As Redis 7.0: the key first (a missing key counts 0 whatever follows), then the range.
        if (!StringCommands.TryGetString(c, req.Arg(1), out var str)) return;
        if (str == null)
        {
            c.Reply.Integer(0);
            return;
        }
        if (req.Count == 3 || req.Count > 5)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        var value = str.Value(c.Server.Pool);
        if (!TryRange(c, 2, value.Length, out long start, out long end, out bool bits, out _, out bool negativeReversed)) return;
        if (negativeReversed)
        {
            c.Reply.Integer(0); // Redis's BITCOUNT (not BITPOS) answers 0 for two negative indexes out of order
            return;
        }
        int firstMask = 0, lastMask = 0; // bits of the first and last byte outside a BIT range
        if (bits && start <= end)
        {
            firstMask = ~((1 << (8 - (int)(start & 7))) - 1) & 0xFF;
            lastMask = (1 << (7 - (int)(end & 7))) - 1;
            start >>= 3;
            end >>= 3;
        }
        if (start > end)
        {
            c.Reply.Integer(0);
            return;
        }
        var range = value[(int)start..((int)end + 1)];
        long count = PopCount(range);
        if (firstMask != 0) count -= BitOperations.PopCount((uint)(range[0] & firstMask));
        if (lastMask != 0) count -= BitOperations.PopCount((uint)(range[^1] & lastMask));
        c.Reply.Integer(count);
    }

    /// <summary>
    /// BITPOS key bit [start [end [BYTE | BIT]]]: the first bit set to <c>bit</c> in the value or
    /// the range. A clear bit is found past the end of the value when no end was given (the
    /// string reads as zero-padded), as Redis; otherwise not found is -1.
    /// </summary>
    public static void BitPos(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryLong(2, out long bit)) return;
        if (bit is not (0 or 1))
        {
            c.Reply.Error("ERR The bit argument must be 1 or 0.");
            return;
        }
        // As Redis 7.0: the key before the range (a missing key is all clear bits).
        if (!StringCommands.TryGetString(c, req.Arg(1), out var str)) return;
        if (str == null)
        {
            c.Reply.Integer(bit == 1 ? -1 : 0);
            return;
        }
        if (req.Count > 6)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        var value = str.Value(c.Server.Pool);
        if (!TryRange(c, 3, value.Length, out long start, out long end, out bool bits, out bool endGiven, out _)) return;
        if (start > end)
        {
            c.Reply.Integer(-1);
            return;
        }
        long first = bits ? start : start << 3, last = bits ? end : (end << 3) + 7;
        for (long p = first; p <= last; p++)
        {
            int b = value[(int)(p >> 3)];
            if ((p & 7) == 0 && p + 7 <= last && b == (bit == 1 ? 0x00 : 0xFF))
            {
                p += 7; // a whole byte without the bit
                continue;
            }
            if (((b >> (7 - (int)(p & 7))) & 1) == bit)
            {
                c.Reply.Integer(p);
                return;
            }
        }
        c.Reply.Integer(bit == 0 && !endGiven ? last + 1 : -1);
    }

    /// <summary>
    /// The optional [start [end [BYTE | BIT]]] from argument <paramref name="at"/>, clamped to a
    /// value of <paramref name="length"/> bytes as Redis clamps it (negative counts from the end),
    /// in bits when BIT was given. False when refused (the error is replied).
    /// </summary>
    private static bool TryRange(ClientSession c, int at, int length, out long start, out long end, out bool bits, out bool endGiven,
        out bool negativeReversed)
    {
        negativeReversed = false;
        var req = c.Request;
        start = end = 0;
        bits = false;
        endGiven = req.Count > at + 1;
        if (req.Count > at && !c.TryLong(at, out start)) return false;
        if (endGiven && !c.TryLong(at + 1, out end)) return false;
        if (req.Count > at + 2)
        {
            if (c.ArgIs(at + 2, "BIT"u8)) bits = true;
            else if (!c.ArgIs(at + 2, "BYTE"u8))
            {
                c.Reply.Error(Errors.Syntax);
                return false;
            }
        }
        negativeReversed = endGiven && start < 0 && end < 0 && start > end;
        long total = bits ? (long)length << 3 : length;
        if (!endGiven) end = total - 1;
        if (start < 0) start += total;
        if (end < 0) end += total;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        return true;
    }

    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) count += BitOperations.PopCount(w);
        foreach (byte b in bytes[(words.Length * 8)..]) count += BitOperations.PopCount(b);
        return count;
    }
}
