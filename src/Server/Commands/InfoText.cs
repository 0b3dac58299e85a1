using System.Globalization;
using System.Text;

namespace PasteRedis.Server.Commands;

/// <summary>Writes INFO fields ("name:value\r\n") with invariant formatting; every section uses it.</summary>
internal static class InfoText
{
    public static StringBuilder Field(this StringBuilder sb, string name, object value) =>
        sb.Append(name).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("\r\n");
}
