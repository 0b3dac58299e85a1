using System.Buffers.Binary;
using PasteRedis.Paste;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// HyperLogLog in Redis's own representation, kept as a string value so that GET/SET,
/// COPY and the AOF carry it as Redis does: a 16-byte header ("HYLL", encoding, 3 unused
/// bytes, the cached cardinality little-endian with bit 63 meaning "stale"), then either
/// 16 384 six-bit registers packed LSB first (dense, 12 304 bytes) or the sparse opcodes
/// ZERO (00xxxxxx: 1-64 zero registers), XZERO (01xxxxxx yyyyyyyy: up to 16 384) and VAL
/// (1vvvvvxx: 1-4 registers of value 1-32). Elements are hashed with MurmurHash64A (seed
/// 0xadc83b19); the cardinality is Ertl's estimator over the register histogram, as Redis 7
/// computes it, so counts equal Redis's. Sparse updates follow Redis's rules (split the run,
/// merge equal neighbours nearby, promote past hll-sparse-max-bytes or a value over 32), so
/// the bytes match Redis's too.
/// </summary>
internal static class HyperLogLog
{
    public const int P = 14;
    public const int Registers = 1 << P;
    private const int Q = 64 - P;
    public const int HeaderSize = 16;
    public const int DenseSize = HeaderSize + (Registers * 6 + 7) / 8;
    private const byte Dense = 0, Sparse = 1;
    private const int ValMaxValue = 32, ValMaxLen = 4, ZeroMaxLen = 64, XZeroMaxLen = 16384;
    private const double AlphaInf = 0.721347520444481703680; // 1 / (2 ln 2)

    public const string InvalidError = "INVALIDOBJ Corrupted HLL object detected";
    public const string NotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    /// <summary>A new, empty HyperLogLog: sparse, one XZERO run over all registers, cached cardinality 0.</summary>
    public static byte[] Empty()
    {
        var hll = new byte[HeaderSize + 2];
        "HYLL"u8.CopyTo(hll);
        hll[4] = Sparse;
        WriteZeros(hll.AsSpan(HeaderSize), XZeroMaxLen);
        return hll;
    }

    /// <summary>Redis's isHLLObject: the magic, a known encoding, and a dense one of the exact size.</summary>
    public static bool IsValid(ReadOnlySpan<byte> v) =>
        v.Length >= HeaderSize && v[..4].SequenceEqual("HYLL"u8) && v[4] <= Sparse && (v[4] != Dense || v.Length == DenseSize);

    public static bool IsDense(ReadOnlySpan<byte> v) => v[4] == Dense;

    // Sparse opcodes.
    private static bool IsZero(byte b) => (b & 0xC0) == 0;
    private static bool IsXZero(byte b) => (b & 0xC0) == 0x40;
    private static bool IsVal(byte b) => (b & 0x80) != 0;
    private static int ZeroLen(byte b) => (b & 0x3F) + 1;
    private static int XZeroLen(byte b0, byte b1) => ((b0 & 0x3F) << 8 | b1) + 1;
    private static int ValValue(byte b) => ((b >> 2) & 0x1F) + 1;
    private static int ValLen(byte b) => (b & 3) + 1;
    private static byte ValOp(int value, int len) => (byte)(0x80 | (value - 1) << 2 | (len - 1));

    /// <summary>Writes a ZERO (up to 64) or XZERO run; returns the bytes written.</summary>
    private static int WriteZeros(Span<byte> to, int len)
    {
        if (len > ZeroMaxLen)
        {
            to[0] = (byte)(0x40 | (len - 1) >> 8);
            to[1] = (byte)((len - 1) & 0xFF);
            return 2;
        }
        to[0] = (byte)(len - 1);
        return 1;
    }

    /// <summary>MurmurHash64A (Austin Appleby), little-endian, as Redis hashes HyperLogLog elements.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0xadc83b19UL)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        ulong h = seed ^ ((ulong)data.Length * m);
        int blocks = data.Length & ~7;
        for (int i = 0; i < blocks; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        var tail = data[blocks..];
        if (tail.Length > 0)
        {
            for (int i = tail.Length - 1; i >= 0; i--) h ^= (ulong)tail[i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>The register an element falls in, and the length of its "000…1" pattern (1 to Q+1).</summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        ulong hash = Hash(element);
        index = (int)(hash & (Registers - 1));
        hash >>= P;
        hash |= 1UL << Q; // the loop ends by bit Q at the latest
        return System.Numerics.BitOperations.TrailingZeroCount(hash) + 1;
    }

    private static int GetDense(ReadOnlySpan<byte> registers, int i)
    {
        int bit = i * 6, b = bit >> 3, fb = bit & 7;
        int b0 = registers[b], b1 = b + 1 < registers.Length ? registers[b + 1] : 0;
        return ((b0 >> fb) | (b1 << (8 - fb))) & 63;
    }

    private static void SetDense(Span<byte> registers, int i, int value)
    {
        int bit = i * 6, b = bit >> 3, fb = bit & 7;
        registers[b] = (byte)((registers[b] & ~(63 << fb)) | (value << fb));
        if (b + 1 < registers.Length)
            registers[b + 1] = (byte)((registers[b + 1] & ~(63 >> (8 - fb))) | (value >> (8 - fb)));
    }

    /// <summary>PFADD of one element: 1 when a register grew, 0 when none did, -1 for a corrupt sparse HLL.</summary>
    public static int Add(StringObject hll, PacketBufferPool? pool, ReadOnlySpan<byte> element, long sparseMaxBytes)
    {
        int count = PatternLength(element, out int index);
        return Set(hll, pool, index, count, sparseMaxBytes);
    }

    /// <summary>Raises register <paramref name="index"/> to <paramref name="count"/> if lower (hllDenseSet / hllSparseSet).</summary>
    public static int Set(StringObject hll, PacketBufferPool? pool, int index, int count, long sparseMaxBytes)
    {
        var buffer = hll.Resize(pool, hll.Length); // managed and writable from here on
        if (buffer[4] == Dense)
        {
            var registers = buffer[HeaderSize..];
            if (GetDense(registers, index) >= count) return 0;
            SetDense(registers, index, count);
            return 1;
        }
        return SparseSet(hll, pool, index, count, sparseMaxBytes);
    }

    private static int SparseSet(StringObject hll, PacketBufferPool? pool, int index, int count, long sparseMaxBytes)
    {
        if (count > ValMaxValue) return Promote(hll, pool, index, count);
        int length = hll.Length;
        var buf = hll.Resize(pool, length + 3); // room for the longest replacement
        int end = length, p = HeaderSize, first = 0, prev = -1, span = 0;

        // Step 1: the opcode covering the register.
        while (p < end)
        {
            int opLength = 1;
            if (IsZero(buf[p])) span = ZeroLen(buf[p]);
            else if (IsVal(buf[p])) span = ValLen(buf[p]);
            else
            {
                span = XZeroLen(buf[p], buf[p + 1]);
                opLength = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += opLength;
            first += span;
        }
        if (span == 0 || p >= end)
        {
            hll.Resize(pool, length);
            return -1;
        }
        int next = IsXZero(buf[p]) ? p + 2 : p + 1;
        if (next >= end) next = -1;
        bool isZero = IsZero(buf[p]), isXZero = IsXZero(buf[p]), isVal = IsVal(buf[p]);
        int runLength = isZero ? ZeroLen(buf[p]) : isXZero ? XZeroLen(buf[p], buf[p + 1]) : ValLen(buf[p]);

        // Step 2: the cases done in place, then the general one: split the run in up to three.
        bool inPlace = false;
        if (isVal)
        {
            if (ValValue(buf[p]) >= count)
            {
                hll.Resize(pool, length);
                return 0;
            }
            inPlace = runLength == 1;
        }
        else inPlace = isZero && runLength == 1;
        if (inPlace) buf[p] = ValOp(count, 1);
        else
        {
            Span<byte> seq = stackalloc byte[5];
            int n = 0, last = first + span - 1;
            if (isZero || isXZero)
            {
                if (index != first) n += WriteZeros(seq[n..], index - first);
                seq[n++] = ValOp(count, 1);
                if (index != last) n += WriteZeros(seq[n..], last - index);
            }
            else
            {
                int current = ValValue(buf[p]);
                if (index != first) seq[n++] = ValOp(current, index - first);
                seq[n++] = ValOp(count, 1);
                if (index != last) seq[n++] = ValOp(current, last - index);
            }
            // Step 3: put the new sequence in the old one's place.
            int delta = n - (isXZero ? 2 : 1);
            if (delta > 0 && length + delta > sparseMaxBytes)
            {
                hll.Resize(pool, length);
                return Promote(hll, pool, index, count);
            }
            if (delta != 0 && next >= 0) buf[next..end].CopyTo(buf[(next + delta)..]);
            end += delta;
            seq[..n].CopyTo(buf[p..]);
        }

        // Step 4: merge equal VAL neighbours, scanning up to five opcodes from the previous one.
        p = prev >= 0 ? prev : HeaderSize;
        int scan = 5;
        while (p < end && scan-- > 0)
        {
            if (IsXZero(buf[p]))
            {
                p += 2;
                continue;
            }
            if (IsZero(buf[p]))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(buf[p + 1]) && ValValue(buf[p]) == ValValue(buf[p + 1]))
            {
                int merged = ValLen(buf[p]) + ValLen(buf[p + 1]);
                if (merged <= ValMaxLen)
                {
                    buf[p + 1] = ValOp(ValValue(buf[p]), merged);
                    buf[(p + 1)..end].CopyTo(buf[p..]);
                    end--;
                    continue;
                }
            }
            p++;
        }
        hll.Resize(pool, end);
        InvalidateCache(hll, pool);
        return 1;
    }

    /// <summary>Sparse to dense, then the register set there (Redis's "promote").</summary>
    private static int Promote(StringObject hll, PacketBufferPool? pool, int index, int count)
    {
        if (!ToDense(hll, pool)) return -1;
        SetDense(hll.Resize(pool, hll.Length)[HeaderSize..], index, count);
        return 1;
    }

    /// <summary>Converts a sparse HLL to dense (header kept); false when the sparse form is corrupt.</summary>
    public static bool ToDense(StringObject hll, PacketBufferPool? pool)
    {
        var value = hll.Value(pool);
        if (value[4] == Dense) return true;
        var registers = new byte[Registers];
        if (!Decode(value, registers, max: false)) return false;
        var buf = hll.Resize(pool, DenseSize);
        buf[4] = Dense;
        var dense = buf[HeaderSize..];
        dense.Clear();
        for (int i = 0; i < Registers; i++)
            if (registers[i] != 0) SetDense(dense, i, registers[i]);
        return true;
    }

    /// <summary>
    /// Registers of <paramref name="value"/> into <paramref name="into"/> (one byte each): copied, or with
    /// <paramref name="max"/> merged as MAX (PFMERGE, PFCOUNT of several keys). False for a corrupt sparse form.
    /// </summary>
    public static bool Decode(ReadOnlySpan<byte> value, Span<byte> into, bool max = true)
    {
        if (value[4] == Dense)
        {
            var dense = value[HeaderSize..];
            for (int i = 0; i < Registers; i++)
            {
                int r = GetDense(dense, i);
                if (!max || r > into[i]) into[i] = (byte)r;
            }
            return true;
        }
        int idx = 0;
        for (int p = HeaderSize; p < value.Length;)
        {
            byte b = value[p];
            if (IsZero(b))
            {
                idx += ZeroLen(b);
                p++;
            }
            else if (IsXZero(b))
            {
                if (p + 1 >= value.Length) return false;
                idx += XZeroLen(b, value[p + 1]);
                p += 2;
            }
            else
            {
                int run = ValLen(b), v = ValValue(b);
                if (idx + run > Registers) return false;
                for (int k = 0; k < run; k++, idx++)
                    if (!max || v > into[idx]) into[idx] = (byte)v;
                p++;
            }
        }
        return idx == Registers;
    }

    /// <summary>The cached cardinality, when not marked stale.</summary>
    public static bool TryCached(ReadOnlySpan<byte> value, out long cardinality)
    {
        cardinality = (long)BinaryPrimitives.ReadUInt64LittleEndian(value[8..16]);
        return (value[15] & 0x80) == 0;
    }

    public static void WriteCache(StringObject hll, PacketBufferPool? pool, long cardinality) =>
        BinaryPrimitives.WriteUInt64LittleEndian(hll.Resize(pool, hll.Length)[8..16], (ulong)cardinality);

    public static void InvalidateCache(StringObject hll, PacketBufferPool? pool) => hll.Resize(pool, hll.Length)[15] |= 0x80;

    /// <summary>The estimated cardinality of <paramref name="value"/>; false when its sparse form is corrupt.</summary>
    public static bool TryCount(ReadOnlySpan<byte> value, out long cardinality)
    {
        Span<int> histogram = stackalloc int[64];
        if (value[4] == Dense)
        {
            var dense = value[HeaderSize..];
            for (int i = 0; i < Registers; i++) histogram[GetDense(dense, i)]++;
        }
        else
        {
            int idx = 0;
            for (int p = HeaderSize; p < value.Length;)
            {
                byte b = value[p];
                int run;
                if (IsZero(b))
                {
                    run = ZeroLen(b);
                    histogram[0] += run;
                    p++;
                }
                else if (IsXZero(b))
                {
                    run = p + 1 < value.Length ? XZeroLen(b, value[p + 1]) : 0;
                    histogram[0] += run;
                    p += 2;
                }
                else
                {
                    run = ValLen(b);
                    histogram[ValValue(b)] += run;
                    p++;
                }
                idx += run;
            }
            if (idx != Registers)
            {
                cardinality = 0;
                return false;
            }
        }
        cardinality = Estimate(histogram);
        return true;
    }

    /// <summary>The estimated cardinality of registers held one per byte (PFCOUNT of several keys).</summary>
    public static long CountRegisters(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        foreach (byte r in registers) histogram[r]++;
        return Estimate(histogram);
    }

    /// <summary>Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (arXiv:1702.01284), as Redis 5+.</summary>
    private static long Estimate(ReadOnlySpan<int> histogram)
    {
        double m = Registers;
        double z = m * Tau((m - histogram[Q + 1]) / m);
        for (int j = Q; j >= 1; --j)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (long)Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
    }

    private static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double y = 1, z = x, zPrime;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double y = 1.0, z = 1 - x, zPrime;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            z -= Math.Pow(1 - x, 2) * y;
        } while (zPrime != z);
        return z / 3;
    }
}
