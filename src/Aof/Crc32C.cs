using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        data.Length >= 3 * ShortLane ? AppendInRounds(crc, data) : Chain(crc, ref MemoryMarshal.GetReference(data), 0, (nuint)data.Length);

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
