using System.Text;

namespace PasteRedis.Server.Diagnostics;

/// <summary>LATENCY GRAPH's drawing: Redis's latencyCommandGenSparkeline over its sparkline.c (filled, 4 rows, 80 columns).</summary>
internal static class Sparkline
{
    private const int Columns = 80, Rows = 4, LabelMarginTop = 1;
    private const string Charset = "_o#"; // SPARKLINE_FILL's characters

    public static string Graph(string name, LatencyMonitor.Series series, long nowSeconds)
    {
        var samples = new List<(long Value, string Label)>();
        long min = 0, max = 0;
        foreach (var (time, latency) in series.History())
        {
            if (samples.Count == 0) min = max = latency;
            else
            {
                max = Math.Max(max, latency);
                min = Math.Min(min, latency);
            }
            long elapsed = nowSeconds - time;
            string label = elapsed < 60 ? $"{elapsed}s" : elapsed < 3600 ? $"{elapsed / 60}m" : elapsed < 86400 ? $"{elapsed / 3600}h" : $"{elapsed / 86400}d";
            samples.Add((latency, label));
        }
        var sb = new StringBuilder();
        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name} - high {max} ms, low {min} ms (all time high {series.Max} ms)\n");
        sb.Append('-', Columns).Append('\n');
        for (int j = 0; j < samples.Count; j += Columns)
        {
            if (j != 0) sb.Append('\n');
            RenderRange(sb, samples, min, max, j, Math.Min(Columns, samples.Count - j));
        }
        return sb.ToString();
    }

    /// <summary>sparklineRenderRange: the bars, a blank line, then the labels written downwards.</summary>
    private static void RenderRange(StringBuilder sb, List<(long Value, string Label)> samples, long min, long max, int offset, int len)
    {
        double relmax = max - min;
        if (relmax == 0) relmax = 1;
        int steps = Charset.Length * Rows;
        var chars = new char[len];
        for (int row = 0; ; row++)
        {
            bool more = false;
            Array.Fill(chars, ' ');
            for (int j = 0; j < len; j++)
            {
                var (value, label) = samples[j + offset];
                double relval = value - min;
                int step = (int)((int)(relval * steps) / relmax);
                if (step < 0) step = 0;
                if (step >= steps) step = steps - 1;
                if (row < Rows)
                {
                    int charidx = step - (Rows - row - 1) * Charset.Length;
                    more = true;
                    if (charidx >= 0 && charidx < Charset.Length) chars[j] = Charset[charidx];
                    else if (charidx >= Charset.Length) chars[j] = '|';
                }
                else
                {
                    if (row - Rows < LabelMarginTop)
                    {
                        more = true;
                        break;
                    }
                    int labelChar = row - Rows - LabelMarginTop;
                    if (label.Length > labelChar)
                    {
                        more = true;
                        chars[j] = label[labelChar];
                    }
                }
            }
            if (!more) return;
            sb.Append(chars).Append('\n');
        }
    }
}
