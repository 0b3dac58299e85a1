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
        var unsigned = chars[0] is '+' or '-' ? chars[1..] : chars;
        if (unsigned.Length > 2 && unsigned[0] == '0' && unsigned[1] is 'x' or 'X')
        {
            if (!TryParseHexDouble(unsigned[2..], out value)) return false;
            if (chars[0] == '-') value = -value;
            return true;
        }
        foreach (var c in chars)
            if (!(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E')) return false;
        if (!double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        if (double.IsInfinity(value)) return false; // out of range: strtod's ERANGE, which Redis refuses
        if (value == 0)
            foreach (var c in chars)
            {
                if (c is 'e' or 'E') break;
                if (c is >= '1' and <= '9') return false; // a non-zero number too small: ERANGE again
            }
        return !double.IsNaN(value);
    }

    /// <summary>
    /// strtod's hexadecimal form after the "0x": hex digits with an optional point, then an
    /// optional binary exponent "p[+-]digits". Out of range fails, as in Redis.
    /// </summary>
    private static bool TryParseHexDouble(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        ulong mantissa = 0;
        long exponent = 0;
        bool any = false, point = false, sticky = false, nonZero = false;
        int i = 0;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '.' && !point) { point = true; continue; }
            if (!char.IsAsciiHexDigit(c)) break;
            int d = Convert.ToInt32(c.ToString(), 16);
            any = true;
            nonZero |= d != 0;
            if (mantissa < 1UL << 59)
            {
                mantissa = mantissa * 16 + (ulong)d;
                if (point) exponent -= 4;
            }
            else
            {
                sticky |= d != 0; // beyond 60 bits: only whether anything was there matters for rounding
                if (!point) exponent += 4;
            }
        }
        if (!any) return false;
        if (i < s.Length)
        {
            if (s[i] is not ('p' or 'P') || ++i == s.Length) return false;
            bool negative = s[i] == '-';
            if (s[i] is '+' or '-') i++;
            if (i == s.Length) return false;
            long e = 0;
            for (; i < s.Length; i++)
            {
                if (!char.IsAsciiDigit(s[i])) return false;
                e = Math.Min(e * 10 + (s[i] - '0'), 100_000);
            }
            exponent += negative ? -e : e;
        }
        if (!nonZero) return true; // zero
        value = Math.ScaleB((double)(sticky ? mantissa | 1 : mantissa), (int)Math.Clamp(exponent, -100_000, 100_000));
        return !double.IsInfinity(value) && value != 0;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    /// <summary>
    /// A double as Redis 7.0 replies with one (addReplyDouble, d2string): C's "%.17g", i.e. 17
    /// significant digits, trailing zeros dropped, fixed notation for decimal exponents from
    /// -4 to 16 and "1.5e+20"/"1.0000000000000001e-05" otherwise; "inf", "-inf", "-0". So 0.1
    /// answers 0.10000000000000001, as redis-server 7.0 does (7.2 went to the shortest form).
    /// </summary>
    public static int FormatDoubleG17(double d, Span<byte> dest)
    {
        if (double.IsInfinity(d) || (d == Math.Floor(d) && Math.Abs(d) < 1e17 && !(d == 0 && double.IsNegative(d))))
            return FormatDouble(d, dest);
        if (d == 0) { "-0"u8.CopyTo(dest); return 2; }
        // Formatted into stack spans, no allocation: 17 significant digits, then C's choice of notation.
        Span<char> e = stackalloc char[32];
        d.TryFormat(e, out int n, "E16", CultureInfo.InvariantCulture); // -1.2345678901234568E+017
        int at = e[..n].IndexOf('E');
        int exponent = int.Parse(e[(at + 1)..n], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int len;
        if (exponent < -4 || exponent >= 17)
        {
            int end = at;
            while (e[end - 1] == '0') end--;
            if (e[end - 1] == '.') end--;
            for (len = 0; len < end; len++) dest[len] = (byte)e[len];
            dest[len++] = (byte)'e';
            dest[len++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int magnitude = Math.Abs(exponent);
            if (magnitude < 10) dest[len++] = (byte)'0';
            Utf8Formatter.TryFormat(magnitude, dest[len..], out int digits);
            return len + digits;
        }
        Span<char> f = stackalloc char[48];
        d.TryFormat(f, out int fn, FixedFormats[16 - exponent], CultureInfo.InvariantCulture);
        while (f[fn - 1] == '0') fn--;
        if (f[fn - 1] == '.') fn--;
        for (len = 0; len < fn; len++) dest[len] = (byte)f[len];
        return len;
    }

    private static readonly string[] FixedFormats = [.. Enumerable.Range(0, 21).Select(i => "F" + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// Redis 7.0's d2string (a score as a sorted set's listpack and ZSCAN write it): an integral
    /// value within ±2^62 as an integer, so 1e17 is "100000000000000000" where a reply says
    /// "1e+17"; anything else as <see cref="FormatDoubleG17"/>.
    /// </summary>
    public static int FormatDoubleD2String(double d, Span<byte> dest)
    {
        if (d == Math.Floor(d) && d >= -(long.MaxValue / 2) && d <= long.MaxValue / 2 && !(d == 0 && double.IsNegative(d)))
        {
            Utf8Formatter.TryFormat((long)d, dest, out int n);
            return n;
        }
        return FormatDoubleG17(d, dest);
    }

    /// <summary>A double in its shortest round-trip form, "inf"/"-inf" (what the log writes: exact, and short).</summary>
    public static int FormatDouble(double d, Span<byte> dest)
    {
        if (double.IsPositiveInfinity(d)) { "inf"u8.CopyTo(dest); return 3; }
        if (double.IsNegativeInfinity(d)) { "-inf"u8.CopyTo(dest); return 4; }
        if (d == 0 && double.IsNegative(d)) { "-0"u8.CopyTo(dest); return 2; } // a skip list keeps the sign (a log must too)
        if (d == Math.Floor(d) && Math.Abs(d) < 1e17)
        {
            Utf8Formatter.TryFormat((long)d, dest, out int n);
            return n;
        }
        d.TryFormat(dest, out int written, "R", CultureInfo.InvariantCulture);
        return written;
    }
}
