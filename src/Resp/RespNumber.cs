using System.Buffers.Text;
using System.Globalization;

namespace PasteRedis.Resp;

/// <summary>Number parsing and formatting with Redis's exact acceptance rules (util.c).</summary>
public static class RespNumber
{
    /// <summary>
    /// string2ll: an optional '-', then digits with no leading zero (except "0" itself);
    /// no '+', no spaces, no "-0", and overflow is rejected.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (s.Length == 1) return false;
        }
        if (s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - (byte)'0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>
    /// strtold-like parsing as Redis's string2ld/string2d: no surrounding spaces, no NaN,
    /// "inf"/"-inf" accepted where <paramref name="allowInfinity"/>.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value, bool allowInfinity = true)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 256) return false;
        if (IsSpace(s[0]) || IsSpace(s[^1])) return false;
        Span<char> chars = stackalloc char[s.Length];
        for (int i = 0; i < s.Length; i++) chars[i] = (char)s[i];
        if (chars.Equals("inf", StringComparison.OrdinalIgnoreCase) || chars.Equals("+inf", StringComparison.OrdinalIgnoreCase)
            || chars.Equals("infinity", StringComparison.OrdinalIgnoreCase) || chars.Equals("+infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = double.PositiveInfinity;
            return allowInfinity;
        }
        if (chars.Equals("-inf", StringComparison.OrdinalIgnoreCase) || chars.Equals("-infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NegativeInfinity;
            return allowInfinity;
        }
        foreach (var c in chars)
            if (!(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E' or 'x' or 'X' || char.IsAsciiHexDigit(c))) return false;
        if (!double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        return !double.IsNaN(value) && (allowInfinity || !double.IsInfinity(value));
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    /// <summary>Formats a double the way Redis 7 replies with one: shortest round-trip, "inf"/"-inf".</summary>
    public static int FormatDouble(double d, Span<byte> dest)
    {
        if (double.IsPositiveInfinity(d)) { "inf"u8.CopyTo(dest); return 3; }
        if (double.IsNegativeInfinity(d)) { "-inf"u8.CopyTo(dest); return 4; }
        if (d == Math.Floor(d) && Math.Abs(d) < 1e17)
        {
            Utf8Formatter.TryFormat((long)d, dest, out int n);
            return n;
        }
        d.TryFormat(dest, out int written, "R", CultureInfo.InvariantCulture);
        return written;
    }
}
