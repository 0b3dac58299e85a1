using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>Everything a client can see of the keyspace: db, key, type, value and absolute expiry.</summary>
public static class KeyspaceDump
{
    public static SortedDictionary<string, string> Take(RawClient raw, int databases = 16)
    {
        var dump = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var encoding = raw.BulkEncoding;
        for (int db = 0; db < databases; db++)
        {
            raw.Call("SELECT", db.ToString());
            string cursor = "0";
            do
            {
                raw.BulkEncoding = encoding; // key names as the caller reads them
                var reply = raw.Call("SCAN", cursor, "COUNT", "1000");
                raw.BulkEncoding = System.Text.Encoding.Latin1; // every byte of a value counts
                var m = Regex.Match(reply, @"^\*\[\$(\d+),\*\[(.*)\]\]$", RegexOptions.Singleline);
                cursor = m.Groups[1].Value;
                var keys = m.Groups[2].Value.Length == 0 ? [] : m.Groups[2].Value.Split(",$").Select(k => k.TrimStart('$')).ToArray();
                foreach (var key in keys)
                {
                    var type = raw.Call("TYPE", key);
                    var value = type switch
                    {
                        "+string" => raw.Call("GET", key),
                        "+list" => "list " + raw.Call("LRANGE", key, "0", "-1"),
                        "+hash" => "hash " + Sorted(raw.Call("HGETALL", key), pairs: true),
                        "+set" => "set " + Sorted(raw.Call("SMEMBERS", key), pairs: false),
                        "+zset" => "zset " + raw.Call("ZRANGE", key, "0", "-1", "WITHSCORES"),
                        "+stream" => "stream " + Stream(raw, key),
                        _ => type,
                    };
                    dump[$"{db}/{key}"] = $"{value} expire={raw.Call("PEXPIRETIME", key)}";
                }
            } while (cursor != "0");
            raw.BulkEncoding = encoding;
        }
        raw.Call("SELECT", "0");
        return dump;
    }

    /// <summary>
    /// A stream: its entries, its counters (XINFO STREAM without Redis's radix-tree layout,
    /// which a rewrite may regroup), and each group's position, read counter, lag and
    /// pending entries with their owners (not their idle times, which move).
    /// </summary>
    private static string Stream(RawClient raw, string key)
    {
        var info = Regex.Replace(raw.Call("XINFO", "STREAM", key), @"\$radix-tree-(keys|nodes),:\d+,", "");
        var groups = raw.Call("XINFO", "GROUPS", key);
        var sb = new System.Text.StringBuilder(raw.Call("XRANGE", key, "-", "+")).Append(' ').Append(info).Append(' ').Append(groups);
        foreach (Match m in Regex.Matches(groups, @"\$name,\$([^,\]]*)"))
        {
            var group = m.Groups[1].Value;
            sb.Append(" pending ").Append(group).Append(' ').Append(raw.Call("XPENDING", key, group));
            sb.Append(' ').Append(Regex.Replace(raw.Call("XPENDING", key, group, "-", "+", "1000"), @",:\d+,(:\d+)\]", ",$1]"));
            sb.Append(" consumers ").Append(Regex.Replace(raw.Call("XINFO", "CONSUMERS", key, group), @",\$(idle|inactive),:-?\d+", ""));
        }
        return sb.ToString();
    }

    /// <summary>An unordered reply (set members, hash field/value pairs) in a canonical order.</summary>
    private static string Sorted(string reply, bool pairs)
    {
        var items = reply.TrimStart('*', '~', '%').Trim('[', ']').Split(',');
        if (!pairs) return string.Join(',', items.Order(StringComparer.Ordinal));
        var joined = items.Chunk(2).Select(p => string.Join('=', p)).Order(StringComparer.Ordinal);
        return string.Join(',', joined);
    }
}
