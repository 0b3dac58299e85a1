using System.Globalization;

namespace PasteRedis.Server.Configuration;

/// <summary>Redis's memtoull: 1k = 1000, 1kb = 1024, likewise m/mb and g/gb; case-insensitive.</summary>
internal static class MemoryUnits
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim().ToLowerInvariant();
        long mul = 1;
        string[] units = ["gb", "mb", "kb", "g", "m", "k", "b"];
        long[] muls = [1L << 30, 1L << 20, 1L << 10, 1_000_000_000, 1_000_000, 1_000, 1];
        for (int i = 0; i < units.Length; i++)
        {
            if (s.EndsWith(units[i], StringComparison.Ordinal))
            {
                mul = muls[i];
                s = s[..^units[i].Length];
                break;
            }
        }
        if (s.Length == 0 || !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        try { bytes = checked(n * mul); } catch (OverflowException) { return false; }
        return true;
    }
}
