namespace PasteRedis.Server.Acl;

/// <summary>Redis's ACL command categories, in its order (ACL CAT lists them so).</summary>
internal static class AclCategories
{
    public static readonly string[] Names =
    [
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
        "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction",
        "scripting",
    ];

    /// <summary>The category's bit, or 0 for a name that is none (case-insensitive, as Redis's strcasecmp).</summary>
    public static ulong Bit(string name)
    {
        for (int i = 0; i < Names.Length; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase)) return 1UL << i;
        return 0;
    }

    /// <summary>Bits for category names as COMMAND INFO lists them ("@read", …).</summary>
    public static ulong BitsOf(IEnumerable<string> categories)
    {
        ulong bits = 0;
        foreach (var c in categories) bits |= Bit(c.TrimStart('@'));
        return bits;
    }
}
