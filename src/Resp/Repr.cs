using System.Text;

namespace PasteRedis.Resp;

/// <summary>Redis's sdscatrepr: double quotes, C escapes, \xHH for other non-printable bytes (MONITOR lines, CONFIG REWRITE values).</summary>
public static class Repr
{
    public static void Append(StringBuilder sb, ReadOnlySpan<byte> s)
    {
        sb.Append('"');
        foreach (byte b in s)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                default:
                    if (b >= 32 && b < 127) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2"));
                    break;
            }
        }
        sb.Append('"');
    }

    public static string Of(string s)
    {
        var sb = new StringBuilder();
        Append(sb, Encoding.UTF8.GetBytes(s));
        return sb.ToString();
    }
}
