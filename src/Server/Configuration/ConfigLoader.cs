using System.Text;
using Microsoft.Extensions.Configuration;

namespace PasteRedis.Server.Configuration;

/// <summary>Raised for a configuration the server will not start with; the message names the cause.</summary>
internal sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// Builds the configuration the way redis-server does: an optional redis.conf-style file
/// as the first argument, then `--name value …` options (which win). Generic Host sources
/// (appsettings.json, PASTEREDIS_ environment variables) come first and lose to both.
/// </summary>
internal static class ConfigLoader
{
    public static ServerConfig Load(string[] args, IConfiguration? hostConfig = null)
    {
        var config = new ServerConfig();
        if (hostConfig != null)
        {
            foreach (var p in config.All)
            {
                var v = hostConfig[p.Name];
                if (v != null) Apply(config, p.Name, [v], $"configuration source key '{p.Name}'");
            }
        }

        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            config.ConfigFile = Path.GetFullPath(args[0]);
            if (!File.Exists(config.ConfigFile))
                throw new ConfigException($"Fatal error, can't open config file '{args[0]}': No such file or directory");
            ApplyFile(config, File.ReadAllLines(config.ConfigFile), config.ConfigFile);
            i = 1;
        }

        // Like redis-server: "--name a b --other c" becomes the lines "name a b" and "other c".
        var lines = new List<string>();
        StringBuilder? current = null;
        for (; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2)
            {
                if (current != null) lines.Add(current.ToString());
                current = new StringBuilder(args[i][2..]);
            }
            else
            {
                if (current == null) throw new ConfigException($"Invalid argument '{args[i]}': options start with --");
                current.Append(' ').Append(Quote(args[i]));
            }
        }
        if (current != null) lines.Add(current.ToString());
        ApplyFile(config, lines, "the command line");
        if (config.Get("daemonize") == "yes")
            throw new ConfigException("PasteRedis does not daemonize (daemonize yes): run it in the foreground under a service manager, e.g. with --daemonize no --supervised systemd as Debian's redis-server.service runs redis-server");
        CheckAclFile(config);
        return config;
    }

    private static string Quote(string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')) return arg;
        return "\"" + arg.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static void ApplyFile(ServerConfig config, IList<string> lines, string source)
    {
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var words = SplitArgs(line);
            if (words == null)
                throw new ConfigException(FatalError(source, n + 1, lines[n], "Unbalanced quotes in configuration line"));
            var name = words[0];
            if (name.Equals("user", StringComparison.OrdinalIgnoreCase) && words.Count >= 2)
            {
                // Redis's "user <name> <rule> ...": checked against the command table now, applied when the server starts.
                if (ValidateUser(words) is { } why) throw new ConfigException(FatalError(source, n + 1, lines[n], $"Error in user declaration '{words[1]}': {why}"));
                config.UserDirectives.Add(words.Skip(1).ToList());
                continue;
            }
            if (name.Equals("rename-command", StringComparison.OrdinalIgnoreCase) && words.Count == 3)
            {
                // Redis's rename-command (deprecated in 7.0, still honoured): checked against the names so far.
                if (RenameError(config, words[1], words[2]) is { } why) throw new ConfigException(FatalError(source, n + 1, lines[n], why));
                config.RenamedCommands.Add((words[1], words[2]));
                continue;
            }
            if (!config.TryGetParameter(name, out _))
                throw new ConfigException(FatalError(source, n + 1, lines[n], "Bad directive or wrong number of arguments"));
            var values = words.Skip(1).ToArray();
            if (name.Equals("save", StringComparison.OrdinalIgnoreCase) && !(values is [""]))
            {
                // As Redis reads a file (and the command line after it): the first save line replaces
                // the points, later ones add to them; save "" clears them.
                if (config.SaveLinesSeen) values = [config.Get("save"), .. values];
                config.SaveLinesSeen = true;
            }
            try { Apply(config, name, values, source); }
            catch (ConfigException e) { throw new ConfigException(FatalError(source, n + 1, lines[n], e.Message)); }
        }
    }

    private static Commands.CommandTable? _table;

    private static Commands.CommandTable Table => _table ??= new Commands.CommandTable(Commands.CommandCatalog.Build());

    /// <summary>Redis's checks of rename-command: the command exists (under its current name), the new name does not.</summary>
    private static string? RenameError(ServerConfig config, string from, string to)
    {
        var names = new HashSet<string>(Table.All.Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var (f, t) in config.RenamedCommands)
        {
            names.Remove(f);
            if (t.Length > 0) names.Add(t);
        }
        if (!names.Contains(from)) return "No such command in rename-command";
        if (to.Length > 0 && !to.Equals(from, StringComparison.OrdinalIgnoreCase) && names.Contains(to)) return "Target command name already exists";
        return null;
    }

    private static string? ValidateUser(List<string> words) =>
        Acl.AccessControl.ParseUser(words[1], words.Skip(2).ToList(), Table, false, out _);

    /// <summary>As Redis at start: users in the config file and an aclfile exclude each other; the aclfile must load.</summary>
    private static void CheckAclFile(ServerConfig config)
    {
        var path = config.Get("aclfile");
        if (path.Length == 0) return;
        if (config.UserDirectives.Count > 0)
            throw new ConfigException("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.");
        if (Acl.AccessControl.ReadUsersFile(path, Table, false, out _) is { } error)
            throw new ConfigException("Aborting Redis startup because of ACL errors: " + error);
    }

    private static void Apply(ServerConfig config, string name, string[] values, string source)
    {
        // Multi-word values (save "900 1 300 10") are joined as Redis joins them.
        var value = string.Join(' ', values);
        var error = config.TrySet(name, value, atStartup: true);
        if (error != null) throw new ConfigException($"'{name}' in {source}: {error}");
    }

    private static string FatalError(string source, int lineNo, string line, string why) =>
        $"*** FATAL CONFIG FILE ERROR (PasteRedis) ***\nReading the configuration file, at line {lineNo} of {source}\n>>> '{line.Trim()}'\n{why}";

    /// <summary>sdssplitargs on a config line; null when quotes are unbalanced.</summary>
    internal static List<string>? SplitArgs(string line)
    {
        var request = new Resp.RespRequest();
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        var seq = new System.Buffers.ReadOnlySequence<byte>(bytes);
        var status = Resp.RespReader.TryParse(ref seq, request, Resp.RespLimits.Default, authenticated: true, out _);
        if (status != Resp.RespParseStatus.Complete) return null;
        var list = new List<string>(request.Count);
        for (int i = 0; i < request.Count; i++) list.Add(Encoding.UTF8.GetString(request.Arg(i)));
        return list;
    }
}
