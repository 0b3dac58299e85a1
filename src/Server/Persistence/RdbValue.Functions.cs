namespace PasteRedis.Server.Persistence;

/// <summary>FUNCTION DUMP's payload (Redis 7's rdbSaveFunctions): each library's code after RDB_OPCODE_FUNCTION2, then the version and CRC-64.</summary>
internal static partial class RdbValue
{
    private const byte OpcodeFunction2 = 245;

    public static byte[] DumpFunctions(IEnumerable<byte[]> libraryCodes, bool compress)
    {
        var w = new RdbOutput(compress);
        foreach (var code in libraryCodes)
        {
            w.WriteByte(OpcodeFunction2);
            WriteString(w, code);
        }
        return WithFooter(w);
    }

    /// <summary>The libraries' codes in a verified payload; throws <see cref="FormatException"/> with Redis's text otherwise.</summary>
    public static List<byte[]> LoadFunctions(ReadOnlySpan<byte> payload)
    {
        var r = new Reader(payload[..^10].ToArray());
        var codes = new List<byte[]>();
        while (!r.AtEnd)
        {
            if (r.Byte() != OpcodeFunction2) throw new FormatException("given type is not a function");
            codes.Add(r.String());
        }
        return codes;
    }
}
