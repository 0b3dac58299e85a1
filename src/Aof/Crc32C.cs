using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PasteRedis.Aof;

/// <summary>
/// CRC-32C (Castagnoli) with the CPU's crc32 instruction through BitOperations. One crc32
/// has a latency of three cycles but a throughput of one, so a single dependent chain
/// runs at a third of the instruction's speed. Long inputs are therefore cut into rounds
/// of three lanes that are checksummed side by side and then joined: the CRC state is
/// linear, so crc(s, A‖B‖C) = adv(adv(crc(s, A)) ⊕ crc(0, B)) ⊕ crc(0, C), where adv moves
/// a state over one lane's worth of zero bytes (four table look-ups, one per state byte).
/// The method of Intel's crc_pcl and Mark Adler's crc32c.c, with a table instead of PCLMUL.
/// </summary>
public static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    /// <summary>Bytes per lane in one round; a round is three lanes.</summary>
    private const int Lane = 256;

    // Advance[k * 256 + b]: the state (byte b at position k, zeros elsewhere) moved over Lane zero bytes.
    private static readonly uint[] Advance = BuildAdvanceTable();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery checksums gigabytes before tiering would promote it
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length, i = 0;
        if (length >= 3 * Lane)
        {
            ref uint advance = ref MemoryMarshal.GetArrayDataReference(Advance);
            for (; i + 3 * Lane <= length; i += 3 * Lane)
            {
                uint a = crc, b = 0, c = 0;
                for (nuint j = i; j < i + Lane; j += 8)
                {
                    a = BitOperations.Crc32C(a, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j)));
                    b = BitOperations.Crc32C(b, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j + Lane)));
                    c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, j + 2 * Lane)));
                }
                crc = AdvanceLane(ref advance, AdvanceLane(ref advance, a) ^ b) ^ c;
            }
        }
        for (; i + 8 <= length; i += 8) crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        for (; i < length; i++) crc = BitOperations.Crc32C(crc, Unsafe.Add(ref p, i));
        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint AdvanceLane(ref uint table, uint state) =>
        Unsafe.Add(ref table, (int)(state & 0xFF))
        ^ Unsafe.Add(ref table, 256 + (int)((state >> 8) & 0xFF))
        ^ Unsafe.Add(ref table, 512 + (int)((state >> 16) & 0xFF))
        ^ Unsafe.Add(ref table, 768 + (int)(state >> 24));

    private static uint[] BuildAdvanceTable()
    {
        var table = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
            for (uint b = 0; b < 256; b++)
            {
                uint state = b << (8 * k);
                for (int j = 0; j < Lane; j += 8) state = BitOperations.Crc32C(state, 0UL);
                table[k * 256 + b] = state;
            }
        return table;
    }
}
