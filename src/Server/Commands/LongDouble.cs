using System.Numerics;
using PasteRedis.Resp;

namespace PasteRedis.Server.Commands;

/// <summary>
/// The x87 80-bit <c>long double</c> that Redis's INCRBYFLOAT and HINCRBYFLOAT compute in:
/// a 64-bit significand, parsed as <c>strtold</c> does (nearest, ties to even), added with
/// one rounding, and printed as Redis's ld2string (<c>"%.17Lf"</c>, trailing zeros and a
/// bare point removed, "-0" as "0"). In a double, 1000 + 0.1 is "1000.1"; Redis answers
/// "1000.09999999999999998", and so does this. Exact arithmetic on BigInteger: these
/// commands are not on the hot path.
/// </summary>
internal readonly struct LongDouble
{
    private const int Bits = 64;
    private const int MaxExponent = 16384;       // values are below 2^16384
    private const int MinExponent = -16445;      // the smallest subnormal is 2^-16445

    private readonly BigInteger _significand;   // below 2^64, sign included
    private readonly int _exponent;             // value = significand * 2^exponent
    public readonly bool IsInfinity;

    private LongDouble(BigInteger significand, int exponent, bool infinity = false)
    {
        _significand = significand;
        _exponent = exponent;
        IsInfinity = infinity;
    }

    public bool IsNegative => _significand.Sign < 0;

    /// <summary>
    /// Parses what Redis's string2ld accepts in decimal: [sign] digits [. digits] [e [sign] digits],
    /// or inf/infinity, no spaces, at most 5 KB. Out of range (overflow, or a non-zero value
    /// that rounds to zero) fails, as strtold's ERANGE makes Redis fail. Hexadecimal floats
    /// go through a double.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        if (s.IsEmpty || s.Length >= 5 * 1024) return false;
        int i = 0;
        bool negative = false;
        if (s[i] is (byte)'+' or (byte)'-') negative = s[i++] == (byte)'-';
        var rest = s[i..];
        if (System.Text.Ascii.EqualsIgnoreCase(rest, "inf"u8) || System.Text.Ascii.EqualsIgnoreCase(rest, "infinity"u8))
        {
            value = new LongDouble(negative ? BigInteger.MinusOne : BigInteger.One, 0, infinity: true);
            return true;
        }
        if (rest.Length > 2 && rest[0] == (byte)'0' && rest[1] is (byte)'x' or (byte)'X')
        {
            // strtold's hexadecimal form, through a double (exact up to 53 significant bits).
            if (!RespNumber.TryParseDouble(s, out double d)) return false;
            long bits = BitConverter.DoubleToInt64Bits(Math.Abs(d));
            int biased = (int)(bits >> 52) & 0x7FF;
            long fraction = bits & ((1L << 52) - 1);
            var significand = biased == 0 ? new BigInteger(fraction) : new BigInteger(fraction | 1L << 52);
            int exponent2 = (biased == 0 ? 1 : biased) - 1075;
            value = d < 0 ? new LongDouble(-significand, exponent2) : new LongDouble(significand, exponent2);
            return true;
        }
        var digits = BigInteger.Zero;
        long scale = 0;
        bool point = false, any = false;
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            if (b == (byte)'.' && !point) { point = true; continue; }
            if (b is < (byte)'0' or > (byte)'9') break;
            digits = digits * 10 + (b - '0');
            any = true;
            if (point) scale--;
        }
        if (!any) return false;
        if (i < s.Length)
        {
            if (s[i++] is not ((byte)'e' or (byte)'E')) return false;
            bool negativeExp = false;
            if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negativeExp = s[i++] == (byte)'-';
            if (i == s.Length) return false;
            long exp = 0;
            for (; i < s.Length; i++)
            {
                if (s[i] is < (byte)'0' or > (byte)'9') return false;
                exp = Math.Min(exp * 10 + (s[i] - '0'), 1_000_000);
            }
            scale += negativeExp ? -exp : exp;
        }
        if (digits.IsZero)
        {
            value = new LongDouble(BigInteger.Zero, 0);
            return true;
        }
        int magnitude = (int)Math.Min(int.MaxValue, scale + (long)Math.Ceiling(BigInteger.Log10(digits)));
        if (magnitude > 4933 || magnitude < -4952) return false; // beyond 1.19e4932, or below the smallest subnormal
        var result = scale >= 0
            ? Round(digits * BigInteger.Pow(10, (int)scale), 0)
            : Divide(digits, BigInteger.Pow(10, (int)-scale));
        if (result.IsInfinity || result._significand.IsZero) return false;
        value = negative ? Negate(result) : result;
        return true;
    }

    /// <summary>The sum, rounded once to 64 significant bits (ties to even), as the x87 adds.</summary>
    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.IsInfinity || b.IsInfinity)
        {
            if (a.IsInfinity && b.IsInfinity && a.IsNegative != b.IsNegative) return new LongDouble(BigInteger.Zero, 0, infinity: true); // NaN: the caller's NaN/Infinity check fires
            return a.IsInfinity ? a : b;
        }
        if (a._significand.IsZero) return b;
        if (b._significand.IsZero) return a;
        int e = Math.Min(a._exponent, b._exponent);
        var sum = (a._significand << (a._exponent - e)) + (b._significand << (b._exponent - e));
        if (sum.IsZero) return new LongDouble(BigInteger.Zero, 0);
        return sum.Sign < 0 ? Negate(Round(-sum, e)) : Round(sum, e);
    }

    /// <summary>False for infinities and NaN: Redis's "increment would produce NaN or Infinity".</summary>
    public bool IsFinite => !IsInfinity;

    /// <summary>Redis's ld2string(…, LD_STR_HUMAN): "%.17Lf", then trailing zeros and a bare point dropped.</summary>
    public override string ToString()
    {
        if (IsInfinity) return IsNegative ? "-inf" : "inf";
        var magnitude = BigInteger.Abs(_significand) * BigInteger.Pow(10, 17);
        BigInteger scaled;
        if (_exponent >= 0) scaled = magnitude << _exponent;
        else
        {
            var divisor = BigInteger.One << -_exponent;
            scaled = BigInteger.DivRem(magnitude, divisor, out var remainder);
            int half = (remainder * 2).CompareTo(divisor);
            if (half > 0 || (half == 0 && !scaled.IsEven)) scaled += 1;
        }
        string digits = scaled.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(18, '0');
        string text = digits[..^17] + "." + digits[^17..];
        text = text.TrimEnd('0').TrimEnd('.');
        if (IsNegative) text = "-" + text;
        return text == "-0" ? "0" : text;
    }

    private static LongDouble Negate(LongDouble v) => new(-v._significand, v._exponent, v.IsInfinity);

    /// <summary>numerator / denominator (both positive) rounded to 64 significant bits.</summary>
    private static LongDouble Divide(BigInteger numerator, BigInteger denominator)
    {
        // Scale so that the quotient has at least 66 bits, then round the exact remainder in.
        int shift = Bits + 2 + (int)(denominator.GetBitLength() - numerator.GetBitLength());
        if (shift < 0) shift = 0;
        var q = BigInteger.DivRem(numerator << shift, denominator, out var r);
        // A non-zero remainder is a sticky bit below everything kept.
        q = (q << 1) | (r.IsZero ? BigInteger.Zero : BigInteger.One);
        return Round(q, -shift - 1);
    }

    /// <summary>magnitude * 2^exponent rounded to 64 significant bits, ties to even; subnormals and overflow as the x87's range.</summary>
    private static LongDouble Round(BigInteger magnitude, int exponent)
    {
        int excess = (int)magnitude.GetBitLength() - Bits;
        // Below the normal range, fewer bits are kept (gradual underflow).
        if (exponent + excess < MinExponent) excess = MinExponent - exponent;
        if (excess > 0)
        {
            var dropped = magnitude & ((BigInteger.One << excess) - 1);
            magnitude >>= excess;
            exponent += excess;
            int half = (dropped * 2).CompareTo(BigInteger.One << excess);
            if (half > 0 || (half == 0 && !magnitude.IsEven)) magnitude += 1;
            if (magnitude.GetBitLength() > Bits)
            {
                magnitude >>= 1;
                exponent++;
            }
        }
        if (magnitude.GetBitLength() + exponent > MaxExponent) return new LongDouble(BigInteger.One, 0, infinity: true);
        return new LongDouble(magnitude, exponent);
    }
}
