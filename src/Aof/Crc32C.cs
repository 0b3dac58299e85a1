using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PasteRedis.Aof;

/// <summary>
/// CRC-32C (Castagnoli) with the CPU's crc32 instruction. One crc32 has a latency of three
/// cycles but a throughput of one, so a single dependent chain runs at a third of the
/// instruction's speed. Long inputs are therefore cut into rounds of three lanes that are
/// checksummed side by side and then joined: the CRC state is linear, so
/// crc(s, A‖B‖C) = adv₂(crc(s, A)) ⊕ adv₁(crc(0, B)) ⊕ crc(0, C), where advₖ moves a state
/// over k lanes' worth of zero bytes (four table look-ups, one per state byte; the two
/// advances are independent, so the join costs one look-up's latency, not two).
/// Rounds of 3 × 256 bytes, then rounds of 3 × 64 for what is left (a 1 KB value would
/// otherwise end in a 256-byte single chain), then one chain for the last few bytes.
/// The method of Intel's crc_pcl and Mark Adler's crc32c.c, with tables instead of PCLMUL.
/// </summary>
public static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    private const int LongLane = 256, ShortLane = 64;

    // [k * 256 + b]: the state (byte b at position k, zeros elsewhere) moved over that many zero bytes.
    private static readonly uint[] AdvanceLong1 = BuildAdvanceTable(LongLane), AdvanceLong2 = BuildAdvanceTable(2 * LongLane);
    private static readonly uint[] AdvanceShort1 = BuildAdvanceTable(ShortLane), AdvanceShort2 = BuildAdvanceTable(2 * ShortLane);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery checksums gigabytes before tiering would promote it
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        data.Length >= FoldingFrom && Folding ? AppendFolding(crc, data)
        : data.Length >= 3 * ShortLane ? AppendInRounds(crc, data)
        : Chain(crc, ref MemoryMarshal.GetReference(data), 0, (nuint)data.Length);

    /// <summary>
    /// Carry-less multiplication on 512-bit vectors (AVX-512 VPCLMULQDQ): four 128-bit lanes
    /// fold 64 bytes per step, the method of Intel's "Fast CRC Computation for Generic
    /// Polynomials Using PCLMULQDQ" (Gopal et al.) on wider registers. Where the runtime does
    /// not accelerate 512-bit vectors, the crc32 lanes above.
    /// </summary>
    public static readonly bool FoldingSupported = Pclmulqdq.V512.IsSupported && Vector512.IsHardwareAccelerated && Sse42.X64.IsSupported;

    /// <summary>Whether <see cref="Append"/> folds (on by default where <see cref="FoldingSupported"/>; tests and benchmarks compare both ways).</summary>
    public static bool Folding
    {
        get => _folding;
        set => _folding = value && FoldingSupported;
    }
    private static bool _folding = FoldingSupported;

    private const int FoldingFrom = 256;

    // Folding a 128-bit lane forward by d bits (to be XORed with the lane d bits later):
    // its low quadword (the earlier bits, reflected) times x^(d+31) mod P, its high one times
    // x^(d-33) mod P, both bit-reflected, exponents as the carry-less product of reflected
    // operands lands.
    private static readonly Vector128<ulong> Fold128 = FoldConstants(128), Fold256 = FoldConstants(256), Fold384 = FoldConstants(384);
    private static readonly Vector512<ulong> Fold512 = Wide(512), Fold1024 = Wide(1024), Fold1536 = Wide(1536), Fold2048 = Wide(2048);

    private static Vector512<ulong> Wide(int bits)
    {
        var k = FoldConstants(bits);
        return Vector512.Create(Vector256.Create(k, k), Vector256.Create(k, k));
    }

    private static Vector128<ulong> FoldConstants(int bits) => Vector128.Create(Reflected(XPowerMod(bits + 31)), Reflected(XPowerMod(bits - 33)));

    /// <summary>x^e mod the CRC-32C polynomial 0x1EDC6F41, most significant bit first.</summary>
    private static uint XPowerMod(int e)
    {
        uint v = 1;
        for (int i = 0; i < e; i++) v = (v & 0x80000000) != 0 ? (v << 1) ^ 0x1EDC6F41 : v << 1;
        return v;
    }

    private static ulong Reflected(uint v)
    {
        uint r = 0;
        for (int i = 0; i < 32; i++) r |= (v >> i & 1) << (31 - i);
        return r;
    }

    /// <summary>
    /// Folds 64 bytes at a time into four lanes, the lanes into one, 16-byte blocks into it;
    /// the crc32 instruction then turns the lane into the state (its bytes are congruent to
    /// everything before them), and the last few bytes run on one chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static uint AppendFolding(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length, i = 64;
        // The state enters as the first 32 bits of the message (a reflected CRC's initial value).
        var acc = Vector512.LoadUnsafe(ref p).AsUInt64() ^ Vector512.CreateScalar((ulong)crc);
        if (length >= 512)
        {
            // Four accumulators 64 bytes apart, each folded 256 bytes ahead per step: one
            // multiply's latency covers four steps' worth of bytes. Then folded into one.
            var b = Vector512.LoadUnsafe(ref p, 64).AsUInt64();
            var c = Vector512.LoadUnsafe(ref p, 128).AsUInt64();
            var d = Vector512.LoadUnsafe(ref p, 192).AsUInt64();
            for (i = 256; i + 256 <= length; i += 256)
            {
                acc = Fold(acc, Fold2048) ^ Vector512.LoadUnsafe(ref p, i).AsUInt64();
                b = Fold(b, Fold2048) ^ Vector512.LoadUnsafe(ref p, i + 64).AsUInt64();
                c = Fold(c, Fold2048) ^ Vector512.LoadUnsafe(ref p, i + 128).AsUInt64();
                d = Fold(d, Fold2048) ^ Vector512.LoadUnsafe(ref p, i + 192).AsUInt64();
            }
            acc = Fold(acc, Fold1536) ^ Fold(b, Fold1024) ^ Fold(c, Fold512) ^ d;
        }
        for (; i + 64 <= length; i += 64)
            acc = Fold(acc, Fold512) ^ Vector512.LoadUnsafe(ref p, i).AsUInt64();
        var lane = Fold(acc.GetLower().GetLower(), Fold384) ^ Fold(acc.GetLower().GetUpper(), Fold256)
                   ^ Fold(acc.GetUpper().GetLower(), Fold128) ^ acc.GetUpper().GetUpper();
        for (; i + 16 <= length; i += 16)
            lane = Fold(lane, Fold128) ^ Vector128.LoadUnsafe(ref p, i).AsUInt64();
        ulong state = Sse42.X64.Crc32(Sse42.X64.Crc32(0, lane.ToScalar()), lane.GetElement(1));
        return Chain((uint)state, ref p, i, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> lanes, Vector512<ulong> k) =>
        Pclmulqdq.V512.CarrylessMultiply(lanes, k, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(lanes, k, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> lane, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(lane, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(lane, k, 0x11);

    /// <summary>Long inputs: the lane rounds, then the chain for what is left (kept apart so that a short frame's call stays small).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static uint AppendInRounds(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length, i = 0;
        ulong state = crc;
        state = Rounds(ref p, length, ref i, state, LongLane, AdvanceLong1, AdvanceLong2);
        state = Rounds(ref p, length, ref i, state, ShortLane, AdvanceShort1, AdvanceShort2);
        return Chain((uint)state, ref p, i, length);
    }

    /// <summary>One dependent chain from <paramref name="i"/> to the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Chain(uint crc, ref byte p, nuint i, nuint length)
    {
        ulong state = crc; // kept 64 bits wide: crc32 r64 writes all 64, so no zero-extension lengthens the chain
        for (; i + 8 <= length; i += 8) state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        uint tail = (uint)state;
        for (; i < length; i++) tail = BitOperations.Crc32C(tail, Unsafe.Add(ref p, i));
        return tail;
    }

    public static uint Finish(uint crc) => ~crc;

    /// <summary>As many rounds of three <paramref name="lane"/>-byte lanes as fit from <paramref name="i"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // inlined with a constant lane, so the loops are as if written out
    private static ulong Rounds(ref byte p, nuint length, ref nuint i, ulong state, int lane, uint[] advanceOne, uint[] advanceTwo)
    {
        nuint width = (nuint)lane;
        if (length - i < 3 * width) return state;
        ref uint one = ref MemoryMarshal.GetArrayDataReference(advanceOne);
        ref uint two = ref MemoryMarshal.GetArrayDataReference(advanceTwo);
        for (; i + 3 * width <= length; i += 3 * width)
        {
            ulong a = state, b = 0, c = 0;
            for (nuint j = i; j < i + width; j += 8)
            {
                a = Step(a, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j)));
                b = Step(b, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j + width)));
                c = Step(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j + 2 * width)));
            }
            state = Advance(ref two, (uint)a) ^ Advance(ref one, (uint)b) ^ c;
        }
        return state;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong state, ulong data) =>
        Sse42.X64.IsSupported ? Sse42.X64.Crc32(state, data) : BitOperations.Crc32C((uint)state, data);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Advance(ref uint table, uint state) =>
        Unsafe.Add(ref table, (nint)(state & 0xFF))
        ^ Unsafe.Add(ref table, 256 + (nint)((state >> 8) & 0xFF))
        ^ Unsafe.Add(ref table, 512 + (nint)((state >> 16) & 0xFF))
        ^ Unsafe.Add(ref table, 768 + (nint)(state >> 24));

    private static uint[] BuildAdvanceTable(int zeroBytes)
    {
        var table = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
            for (uint b = 0; b < 256; b++)
            {
                uint state = b << (8 * k);
                for (int j = 0; j < zeroBytes; j += 8) state = BitOperations.Crc32C(state, 0UL);
                table[k * 256 + b] = state;
            }
        return table;
    }
}
