using System.Text;

namespace PasteRedis.Server.Keyspace;

/// <summary>The classes of notify-keyspace-events (Redis's NOTIFY_* flags).</summary>
[Flags]
internal enum NotifyClass
{
    None = 0,
    Keyspace = 1 << 0,   // K
    Keyevent = 1 << 1,   // E
    Generic = 1 << 2,    // g
    String = 1 << 3,     // $
    List = 1 << 4,       // l
    Set = 1 << 5,        // s
    Hash = 1 << 6,       // h
    ZSet = 1 << 7,       // z
    Expired = 1 << 8,    // x
    Evicted = 1 << 9,    // e
    Stream = 1 << 10,    // t
    KeyMiss = 1 << 11,   // m
    Module = 1 << 12,    // d
    New = 1 << 13,       // n
    /// <summary>'A': every class but key-miss and new (Redis 7.0's NOTIFY_ALL).</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

/// <summary>
/// notify-keyspace-events: parsing and printing its value as Redis 7.0 does
/// (keyspaceEventsStringToFlags / FlagsToString).
/// </summary>
internal static class KeyspaceNotifications
{
    public const string InvalidClass = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    /// <summary>The flags a value names, or null when it holds a character Redis refuses.</summary>
    public static NotifyClass? Parse(string value)
    {
        var flags = NotifyClass.None;
        foreach (char ch in value)
        {
            flags |= ch switch
            {
                'A' => NotifyClass.All,
                'g' => NotifyClass.Generic,
                '$' => NotifyClass.String,
                'l' => NotifyClass.List,
                's' => NotifyClass.Set,
                'h' => NotifyClass.Hash,
                'z' => NotifyClass.ZSet,
                'x' => NotifyClass.Expired,
                'e' => NotifyClass.Evicted,
                'K' => NotifyClass.Keyspace,
                'E' => NotifyClass.Keyevent,
                't' => NotifyClass.Stream,
                'm' => NotifyClass.KeyMiss,
                'd' => NotifyClass.Module,
                'n' => NotifyClass.New,
                _ => (NotifyClass)(-1),
            };
            if (flags == (NotifyClass)(-1)) return null;
        }
        return flags;
    }

    /// <summary>
    /// The value as CONFIG GET shows it: "A" for every class of A (and then, as in Redis 7.0,
    /// 'n' is not shown though it stays on), else each class in Redis's order; then K, E, m.
    /// </summary>
    public static string Format(NotifyClass flags)
    {
        var sb = new StringBuilder();
        if ((flags & NotifyClass.All) == NotifyClass.All) sb.Append('A');
        else
        {
            foreach (var (flag, ch) in new[]
            {
                (NotifyClass.Generic, 'g'), (NotifyClass.String, '$'), (NotifyClass.List, 'l'), (NotifyClass.Set, 's'),
                (NotifyClass.Hash, 'h'), (NotifyClass.ZSet, 'z'), (NotifyClass.Expired, 'x'), (NotifyClass.Evicted, 'e'),
                (NotifyClass.Stream, 't'), (NotifyClass.Module, 'd'), (NotifyClass.New, 'n'),
            })
                if ((flags & flag) != 0) sb.Append(ch);
        }
        if ((flags & NotifyClass.Keyspace) != 0) sb.Append('K');
        if ((flags & NotifyClass.Keyevent) != 0) sb.Append('E');
        if ((flags & NotifyClass.KeyMiss) != 0) sb.Append('m');
        return sb.ToString();
    }
}
