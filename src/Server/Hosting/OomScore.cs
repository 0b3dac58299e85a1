using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// oom-score-adj and oom-score-adj-values, as Redis's setOOMScoreAdj: when on, the process's
/// /proc/self/oom_score_adj is set to the first (the master's) of the three values, added to
/// the score the process had before the server first changed it ("relative" or "yes") or as
/// is ("absolute"), clamped to [-1000, 1000]; turned off again, that earlier score comes back.
/// The score belongs to the process, so this is process-wide state (one server per process
/// in a deployment). Linux only: elsewhere there is no such file, and the change is logged
/// as failed.
/// </summary>
internal static class OomScore
{
    private const string File = "/proc/self/oom_score_adj";
    private static readonly object Gate = new();
    private static bool s_adjusted;
    private static int s_base;

    /// <summary>Sets the score the configuration asks for; false when it could not be read or written (logged).</summary>
    public static bool Apply(Configuration.ServerConfig config, ILogger logger)
    {
        lock (Gate)
        {
            string mode = config.Get("oom-score-adj");
            int value;
            if (mode != "no")
            {
                if (!s_adjusted)
                {
                    try { s_base = int.Parse(System.IO.File.ReadAllText(File).Trim(), System.Globalization.CultureInfo.InvariantCulture); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                    {
                        logger.LogWarning("Unable to read oom_score_adj: {Reason}", e.Message);
                        return false;
                    }
                    s_adjusted = true;
                }
                value = int.Parse(config.Get("oom-score-adj-values").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
                if (mode is "yes" or "relative") value += s_base;
                value = Math.Clamp(value, -1000, 1000);
            }
            else if (s_adjusted)
            {
                s_adjusted = false;
                value = s_base;
            }
            else return true;
            try { System.IO.File.WriteAllText(File, $"{value}\n"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Unable to write oom_score_adj: {Reason}", e.Message);
                return false;
            }
            return true;
        }
    }

    /// <summary>Redis's check of oom-score-adj-values: three integers in [-2000, 2000].</summary>
    public static string? Validate(string values)
    {
        var parts = values.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3) return "wrong number of arguments";
        foreach (var p in parts)
            if (!long.TryParse(p, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long v) || v < -2000 || v > 2000)
                return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
        return null;
    }
}
