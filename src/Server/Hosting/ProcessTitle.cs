using System.Text;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// set-proc-title and proc-title-template, as Redis's redisSetProcTitle: the template's
/// variables ({title}, {listen-addr}, {server-mode}, {config-file}, {port}, {tls-port},
/// {unixsocket}; "{{" is a brace) are expanded and the result names the process. .NET cannot
/// rewrite its argv as Redis does, so the name goes where Linux keeps a process's own name
/// (/proc/self/comm: what top, ps -o comm and pgrep show), which holds 15 bytes: a longer
/// title is cut there. Only for the server's own process (a test host keeps its name).
/// </summary>
internal static class ProcessTitle
{
    public const string Title = "pasteredis";
    private const int CommBytes = 15;

    /// <summary>
    /// Redis's check (isValidProcTitleTemplate): known variables, and something left after
    /// trimming spaces when expanded with an empty title ({port}, {listen-addr}, {tls-port}
    /// and {config-file} are never empty; {server-mode} and {unixsocket} are here).
    /// </summary>
    public static string? Validate(string template) =>
        Expand(template, name => name is "title" or "server-mode" or "unixsocket" ? "" : "-") is { Length: > 0 }
            ? null : "template format is invalid or contains unknown variables";

    /// <summary>Redis's sdstemplate: null for an unknown variable or an unterminated brace.</summary>
    public static string? Expand(string template, Func<string, string?> variable)
    {
        var sb = new StringBuilder();
        int p = 0;
        while (p < template.Length)
        {
            int open = template.IndexOf('{', p);
            if (open < 0)
            {
                sb.Append(template, p, template.Length - p);
                break;
            }
            sb.Append(template, p, open - p);
            if (open + 1 >= template.Length) return null;
            if (template[open + 1] == '{')
            {
                sb.Append('{');
                p = open + 2;
                continue;
            }
            int close = template.IndexOf('}', open + 1);
            if (close < 0) return null;
            var value = Variable(template[(open + 1)..close], variable);
            if (value == null) return null;
            sb.Append(value);
            p = close + 1;
        }
        return sb.ToString().Trim(' ');
    }

    private static string? Variable(string name, Func<string, string?> value) =>
        name is "title" or "listen-addr" or "server-mode" or "config-file" or "port" or "tls-port" or "unixsocket" ? value(name) ?? "" : null;

    /// <summary>The title for this server's configuration (Redis's redisProcTitleGetVariable).</summary>
    public static string For(Configuration.ServerConfig config)
    {
        string? Value(string name)
        {
            int port = config.Port, tlsPort = (int)config.Long("tls-port");
            return name switch
            {
                "title" => Title,
                "listen-addr" => port != 0 || tlsPort != 0
                    ? $"{config.Bind.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "*"}:{(port != 0 ? port : tlsPort)}"
                    : "unixsocket:" + config.Get("unixsocket"),
                "server-mode" => "",
                "config-file" => config.ConfigFile ?? "-",
                "port" => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "tls-port" => tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "unixsocket" => config.Get("unixsocket"),
                _ => "",
            };
        }
        return Expand(config.Get("proc-title-template"), Value) ?? Title;
    }

    /// <summary>Names the process after the template, when set-proc-title is yes; a failure is logged.</summary>
    public static void Apply(Configuration.ServerConfig config, ILogger logger)
    {
        if (config.Get("set-proc-title") != "yes" || !OperatingSystem.IsLinux()) return;
        var title = For(config);
        var bytes = Encoding.UTF8.GetBytes(title);
        int length = Math.Min(bytes.Length, CommBytes);
        while (length > 0 && length < bytes.Length && (bytes[length] & 0xC0) == 0x80) length--; // not inside a character
        try { File.WriteAllBytes("/proc/self/comm", bytes[..length]); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Unable to set the process title: {Reason}", e.Message);
        }
    }
}
