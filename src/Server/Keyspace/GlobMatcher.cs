namespace PasteRedis.Server.Keyspace;

/// <summary>Redis's stringmatchlen: *, ?, [abc], [^a-z], and \ escapes.</summary>
internal static class GlobMatcher
{
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> s, bool noCase = false)
        => Match(pattern, s, noCase, 0);

    private static bool Match(ReadOnlySpan<byte> p, ReadOnlySpan<byte> s, bool noCase, int depth)
    {
        if (depth > 1000) return false; // Redis also bounds the nesting of '*'
        while (p.Length > 0 && s.Length > 0)
        {
            bool unterminated = false; // "[abc" with no ']' ends the pattern, as in Redis
            switch (p[0])
            {
                case (byte)'*':
                    while (p.Length > 1 && p[1] == (byte)'*') p = p[1..];
                    if (p.Length == 1) return true;
                    for (int i = 0; i <= s.Length; i++)
                        if (Match(p[1..], s[i..], noCase, depth + 1)) return true;
                    return false;
                case (byte)'?':
                    break;
                case (byte)'[':
                {
                    p = p[1..];
                    bool not = p.Length > 0 && p[0] == (byte)'^';
                    if (not) p = p[1..];
                    bool match = false;
                    while (true)
                    {
                        if (p.Length == 0) { unterminated = true; break; }
                        if (p[0] == (byte)'\\' && p.Length >= 2)
                        {
                            p = p[1..];
                            if (Eq(p[0], s[0], noCase)) match = true;
                        }
                        else if (p[0] == (byte)']') break;
                        else if (p.Length >= 3 && p[1] == (byte)'-')
                        {
                            int start = p[0], end = p[2], c = s[0];
                            if (start > end) (start, end) = (end, start);
                            if (noCase) { start = Lower(start); end = Lower(end); c = Lower(c); }
                            p = p[2..];
                            if (c >= start && c <= end) match = true;
                        }
                        else if (Eq(p[0], s[0], noCase)) match = true;
                        p = p[1..];
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    break;
                }
                case (byte)'\\':
                    if (p.Length >= 2) p = p[1..];
                    goto default;
                default:
                    if (!Eq(p[0], s[0], noCase)) return false;
                    break;
            }
            if (!unterminated) p = p[1..];
            s = s[1..];
            if (s.Length == 0)
            {
                while (p.Length > 0 && p[0] == (byte)'*') p = p[1..];
                break;
            }
        }
        return p.Length == 0 && s.Length == 0;
    }

    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c | 0x20 : c;
    private static bool Eq(byte a, byte b, bool noCase) => noCase ? Lower(a) == Lower(b) : a == b;
}
