using System.Globalization;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// The save parameter, as Redis's: "seconds changes" pairs (a background save once at least
/// that many changes were made and that many seconds passed since the last save), or "" for
/// none. Checked and formatted as Redis checks and shows it.
/// </summary>
internal static class SavePoints
{
    public const string InvalidError = "Invalid save parameters";

    /// <summary>Redis's setConfigSaveOption checks: an even count of integers, seconds at least 1, changes at least 0.</summary>
    public static bool TryParse(string value, out (long Seconds, long Changes)[] points)
    {
        points = [];
        if (value.Length == 0) return true;
        var words = value.Split(' '); // as Redis splits it: two spaces make an empty (invalid) word
        if (words.Length % 2 != 0) return false;
        var list = new List<(long, long)>();
        for (int j = 0; j < words.Length; j += 2)
        {
            if (!long.TryParse(words[j], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds) || seconds < 1) return false;
            if (!long.TryParse(words[j + 1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long changes) || changes < 0) return false;
            list.Add((seconds, changes));
        }
        points = [.. list];
        return true;
    }

    public static string Format(IEnumerable<(long Seconds, long Changes)> points) =>
        string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Seconds} {p.Changes}")));
}
