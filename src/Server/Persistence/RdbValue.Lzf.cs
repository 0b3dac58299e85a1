namespace PasteRedis.Server.Persistence;

/// <summary>
/// rdbcompression: strings over 20 bytes in RDB files and DUMP payloads are stored LZF-
/// compressed when that saves at least 4 bytes (Redis's rdbSaveLzfStringObject), in
/// liblzf's format (literal runs of up to 32 bytes; back references of 3 to 264 bytes
/// within 8 KB), which every Redis loads. The compressor is a greedy one of our own, so
/// the bytes may differ from liblzf's while meaning the same string.
/// </summary>
internal static partial class RdbValue
{
    /// <summary>An RDB being written (file, DUMP or FUNCTION DUMP), and whether its strings are compressed.</summary>
    private sealed class RdbOutput(bool compress) : MemoryStream
    {
        public bool Compress { get; } = compress;
    }

    private const byte EncodedLzf = 0xC3; // RDB_ENCVAL << 6 | RDB_ENC_LZF
    private const int LzfHashLog = 14, LzfMaxOffset = 1 << 13, LzfMaxRun = 32, LzfMaxReference = 264;

    /// <summary>The string LZF-compressed, as Redis writes it, when compression is on and pays; false to write it plain.</summary>
    private static bool TryWriteCompressed(Stream w, ReadOnlySpan<byte> s)
    {
        if (w is not RdbOutput { Compress: true } || s.Length <= 20) return false;
        var compressed = new byte[s.Length - 4]; // at least 4 bytes saved, or not worth it
        int n = LzfCompress(s, compressed);
        if (n == 0) return false;
        w.WriteByte(EncodedLzf);
        WriteLength(w, n);
        WriteLength(w, s.Length);
        w.Write(compressed, 0, n);
        return true;
    }

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/>; the compressed
    /// length, or 0 when it does not fit. A hash of each position's next three bytes finds
    /// the last place they occurred; a match there within reach becomes a back reference,
    /// anything else a literal. Every literal run is preceded by its control byte (reserved
    /// when the run starts, filled in when it ends).
    /// </summary>
    internal static int LzfCompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var last = new int[1 << LzfHashLog]; // position + 1 where each hashed triple was seen last (0: never)
        int ip = 0, op = 1, run = 0;
        if (output.Length == 0) return 0;
        while (ip < input.Length)
        {
            if (ip + 2 < input.Length)
            {
                uint triple = (uint)(input[ip] << 16 | input[ip + 1] << 8 | input[ip + 2]);
                int slot = (int)((triple * 2654435761u) >> (32 - LzfHashLog));
                int candidate = last[slot] - 1;
                last[slot] = ip + 1;
                int offset = ip - candidate - 1;
                if (candidate >= 0 && offset < LzfMaxOffset
                    && input[candidate] == input[ip] && input[candidate + 1] == input[ip + 1] && input[candidate + 2] == input[ip + 2])
                {
                    int max = Math.Min(input.Length - ip, LzfMaxReference), length = 3;
                    while (length < max && input[candidate + length] == input[ip + length]) length++;
                    if (run > 0) output[op - run - 1] = (byte)(run - 1);
                    else op--; // no literal before it: the reserved control byte goes
                    if (op + 4 > output.Length) return 0; // the reference (up to 3 bytes) and the next run's control byte
                    int code = length - 2;
                    if (code < 7) output[op++] = (byte)((offset >> 8) + (code << 5));
                    else
                    {
                        output[op++] = (byte)((offset >> 8) + (7 << 5));
                        output[op++] = (byte)(code - 7);
                    }
                    output[op++] = (byte)offset;
                    op++;
                    run = 0;
                    ip += length;
                    continue;
                }
            }
            if (op >= output.Length) return 0;
            output[op++] = input[ip++];
            if (++run == LzfMaxRun)
            {
                output[op - run - 1] = LzfMaxRun - 1;
                run = 0;
                op++;
            }
        }
        if (run > 0) output[op - run - 1] = (byte)(run - 1);
        else op--;
        return op <= output.Length ? op : 0;
    }
}
