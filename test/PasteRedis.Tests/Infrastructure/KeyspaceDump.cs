using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>Everything a client can see of the keyspace: db, key, type, value and absolute expiry.</summary>
public static class KeyspaceDump
{
    public static SortedDictionary<string, string> Take(RawClient raw, int databases = 16)
    {
        var dump = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int db = 0; db < databases; db++)
        {
            raw.Call("SELECT", db.ToString());
            string cursor = "0";
            do
            {
                var reply = raw.Call("SCAN", cursor, "COUNT", "1000");
                var m = Regex.Match(reply, @"^\*\[\$(\d+),\*\[(.*)\]\]$", RegexOptions.Singleline);
                cursor = m.Groups[1].Value;
                var keys = m.Groups[2].Value.Length == 0 ? [] : m.Groups[2].Value.Split(",$").Select(k => k.TrimStart('$')).ToArray();
                foreach (var key in keys)
                {
                    var type = raw.Call("TYPE", key);
                    var value = type == "+string" ? raw.Call("GET", key) : type;
                    dump[$"{db}/{key}"] = $"{value} expire={raw.Call("PEXPIRETIME", key)}";
                }
            } while (cursor != "0");
        }
        raw.Call("SELECT", "0");
        return dump;
    }
}
