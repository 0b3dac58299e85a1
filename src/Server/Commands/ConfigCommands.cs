using System.Text;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>CONFIG GET | SET | RESETSTAT | REWRITE | HELP (Redis's config.c).</summary>
internal static class ConfigCommands
{
    /// <summary>CONFIG GET pattern [pattern …]: a map of every matching parameter (aliases match too).</summary>
    public static void Get(ClientSession c)
    {
        var config = c.Server.Config;
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 2; i < c.Request.Count; i++)
        {
            var pattern = c.Request.Arg(i);
            foreach (var p in config.All)
            {
                if (GlobMatcher.IsMatch(pattern, Encoding.ASCII.GetBytes(p.Name), noCase: true))
                    found[p.Name] = config.Get(p.Name);
                foreach (var alias in p.Aliases ?? [])
                    if (GlobMatcher.IsMatch(pattern, Encoding.ASCII.GetBytes(alias), noCase: true))
                        found[alias] = config.Get(p.Name);
            }
        }
        c.Reply.MapHeader(found.Count);
        foreach (var (name, value) in found)
        {
            c.Reply.Bulk(name);
            c.Reply.Bulk(value);
        }
    }

    /// <summary>CONFIG SET name value [name value …]: all or nothing, as in Redis 7.</summary>
    public static void Set(ClientSession c)
    {
        var req = c.Request;
        if ((req.Count - 2) % 2 != 0)
        {
            c.Reply.Error("ERR wrong number of arguments for 'config|set' command");
            return;
        }
        var config = c.Server.Config;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new List<(string Name, string Value, string Old)>();
        for (int i = 2; i < req.Count; i += 2)
        {
            var name = c.ArgString(i);
            if (!config.TryGetParameter(name, out var p))
            {
                c.Reply.Error($"ERR Unknown option or number of arguments for CONFIG SET - '{name}'");
                return;
            }
            if (!seen.Add(p.Name))
            {
                c.Reply.Error($"ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter");
                return;
            }
            pending.Add((p.Name, c.ArgString(i + 1), config.Get(p.Name)));
        }
        foreach (var (name, value, _) in pending)
        {
            var error = config.TrySet(name, value, atStartup: false);
            if (error == null) continue;
            foreach (var (n, _, old) in pending) config.TrySet(n, old, atStartup: true); // roll back
            c.Reply.Error($"ERR CONFIG SET failed (possibly related to argument '{name}') - {error}");
            return;
        }
        // TLS settings are applied together, once, as Redis's applyTlsCfg: a failure restores them all.
        if (pending.FirstOrDefault(x => x.Name.StartsWith("tls-", StringComparison.Ordinal)).Name is { } tlsName
            && c.Server.ReloadTls is { } reload && reload() != null)
        {
            c.Server.Logger.LogWarning("Failed applying new configuration. Possibly related to new {Name} setting. Restoring previous settings.", tlsName);
            foreach (var (n, _, old) in pending) config.TrySet(n, old, atStartup: true);
            c.Reply.Error($"ERR CONFIG SET failed (possibly related to argument '{tlsName}') - Unable to update TLS configuration. Check server logs.");
            return;
        }
        // The OOM score is written at once, as Redis's updateOOMScoreAdj: a refused write (lowering it
        // needs CAP_SYS_RESOURCE) restores the previous settings and the score they give.
        if (pending.FirstOrDefault(x => x.Name.StartsWith("oom-score-adj", StringComparison.Ordinal)).Name is { } oomName
            && !Hosting.OomScore.Apply(config, c.Server.Logger))
        {
            foreach (var (n, _, old) in pending) config.TrySet(n, old, atStartup: true);
            Hosting.OomScore.Apply(config, c.Server.Logger);
            c.Reply.Error($"ERR CONFIG SET failed (possibly related to argument '{oomName}') - Failed to set current oom_score_adj. Check server logs.");
            return;
        }
        // A new template renames the process at once (Redis's updateProcTitleTemplate).
        if (config.OwnsProcess && pending.Any(x => x.Name == "proc-title-template")) Hosting.ProcessTitle.Apply(config, c.Server.Logger);
        c.Server.OnConfigChanged();
        c.Reply.Ok();
    }

    public static void ResetStat(ClientSession c)
    {
        c.Server.Stats.Reset();
        c.Server.Calls.ResetStats();
        foreach (var client in c.Server.Clients) client.Traffic = default;
        c.Server.Events.ExpiredKeys = 0;
        c.Reply.Ok();
    }

    /// <summary>CONFIG REWRITE: the config file brought up to the running values (<see cref="ConfigRewriter"/>).</summary>
    public static void Rewrite(ClientSession c)
    {
        if (ConfigRewriter.Rewrite(c.Server.Config) is { } error)
        {
            c.Server.Logger.LogWarning("CONFIG REWRITE failed: {Error}", error);
            c.Reply.Error("ERR " + error);
            return;
        }
        c.Server.Logger.LogInformation("CONFIG REWRITE executed with success.");
        c.Reply.Ok();
    }

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "CONFIG",
        "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
        "RESETSTAT", "    Reset statistics reported by the INFO command.",
        "REWRITE", "    Rewrite the configuration file.");
}
