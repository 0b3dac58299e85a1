namespace PasteRedis.Resp;

/// <summary>
/// Splits an inline command line the way Redis's sdssplitargs does: whitespace separates
/// arguments; "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes'
/// understand \'. A closing quote must be followed by whitespace or the end of the line.
/// </summary>
internal static class InlineSplitter
{
    public static bool Split(ReadOnlySpan<byte> line, RespRequest request)
    {
        Span<byte> small = stackalloc byte[256];
        byte[]? big = line.Length > small.Length ? new byte[line.Length] : null;
        Span<byte> arg = big ?? small;
        int p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p])) p++;
            if (p >= line.Length) return true;
            int len = 0;
            bool inDq = false, inSq = false, done = false;
            while (!done)
            {
                if (inDq)
                {
                    if (p >= line.Length) return false;
                    byte c = line[p];
                    if (c == (byte)'\\' && p + 3 < line.Length && line[p + 1] == (byte)'x'
                        && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        arg[len++] = (byte)(Hex(line[p + 2]) * 16 + Hex(line[p + 3]));
                        p += 3;
                    }
                    else if (c == (byte)'\\' && p + 1 < line.Length)
                    {
                        p++;
                        arg[len++] = line[p] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        };
                    }
                    else if (c == (byte)'"')
                    {
                        if (p + 1 < line.Length && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else arg[len++] = c;
                }
                else if (inSq)
                {
                    if (p >= line.Length) return false;
                    byte c = line[p];
                    if (c == (byte)'\\' && p + 1 < line.Length && line[p + 1] == (byte)'\'')
                    {
                        p++;
                        arg[len++] = (byte)'\'';
                    }
                    else if (c == (byte)'\'')
                    {
                        if (p + 1 < line.Length && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else arg[len++] = c;
                }
                else
                {
                    if (p >= line.Length) { done = true; break; }
                    byte c = line[p];
                    switch (c)
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0:
                            done = true;
                            break;
                        case (byte)'"': inDq = true; break;
                        case (byte)'\'': inSq = true; break;
                        default: arg[len++] = c; break;
                    }
                }
                if (p < line.Length) p++;
            }
            request.AddCopy(arg[..len]);
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\v' or (byte)'\f';
    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
