namespace PasteRedis.Server.Commands;

/// <summary>A key's access flags (Redis's CMD_KEY_*), in the order Redis lists them.</summary>
[Flags]
internal enum KeyFlags
{
    None = 0,
    RO = 1, RW = 2, OW = 4, RM = 8,
    Access = 16, Update = 32, Insert = 64, Delete = 128,
    NotKey = 256, Incomplete = 512, VariableFlags = 1024,
}

/// <summary>
/// One key specification of a command (Redis 7's keySpec): the flags of the keys it finds,
/// where their search begins (an argument index, or after a keyword) and how they are found
/// (a range, or a count read from the arguments). Written as Redis's COMMAND INFO shows them
/// (<see cref="KeySpecTable"/>), e.g. ("RW,access,update", "index:1", "range:0,1,0").
/// </summary>
internal sealed class KeySpec
{
    private static readonly string[] FlagNames = ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"];

    public KeySpec(string flags, string begin, string find, string? notes = null)
    {
        foreach (var f in flags.Split(',', StringSplitOptions.RemoveEmptyEntries)) Flags |= (KeyFlags)(1 << Array.IndexOf(FlagNames, f));
        var b = begin.Split(':');
        BeginType = b[0];
        if (BeginType == "index") Index = int.Parse(b[1]);
        else if (BeginType == "keyword") (Keyword, StartFrom) = (b[1], int.Parse(b[2]));
        var f2 = find.Split(':');
        FindType = f2[0];
        if (FindType != "unknown")
        {
            var n = f2[1].Split(',').Select(int.Parse).ToArray();
            (A, B, C) = (n[0], n[1], n[2]);
        }
        Notes = notes;
    }

    public KeyFlags Flags { get; }
    public string BeginType { get; }
    public int Index { get; }
    public string? Keyword { get; }
    public int StartFrom { get; }
    public string FindType { get; }
    /// <summary>range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep.</summary>
    public int A { get; }
    public int B { get; }
    public int C { get; }
    public string? Notes { get; }

    /// <summary>begin_search's spec as COMMAND INFO lists it.</summary>
    public (string Name, object Value)[] BeginSpec => BeginType switch
    {
        "index" => [("index", Index)],
        "keyword" => [("keyword", Keyword!), ("startfrom", StartFrom)],
        _ => [],
    };

    /// <summary>find_keys's spec as COMMAND INFO lists it.</summary>
    public (string Name, object Value)[] FindSpec => FindType switch
    {
        "range" => [("lastkey", A), ("keystep", B), ("limit", C)],
        "keynum" => [("keynumidx", A), ("firstkey", B), ("keystep", C)],
        _ => [],
    };

    public static IEnumerable<string> Names(KeyFlags flags)
    {
        for (int i = 0; i < FlagNames.Length; i++)
            if (((int)flags & (1 << i)) != 0) yield return FlagNames[i];
    }

    /// <summary>
    /// The keys this spec finds among <paramref name="argc"/> arguments (Redis's
    /// getKeysUsingKeySpecs for one spec): added to <paramref name="keys"/>; false when the
    /// spec cannot say (unknown, incomplete, or arguments that do not add up). A keyword
    /// that is not there finds nothing, and is no failure.
    /// </summary>
    public bool TryFind(CommandCommands.ArgAt arg, int argc, int arity, List<(int Pos, KeyFlags Flags)> keys)
    {
        int first = 0;
        if (BeginType == "index") first = Index;
        else if (BeginType == "keyword")
        {
            int start = StartFrom > 0 ? StartFrom : argc + StartFrom, end = StartFrom > 0 ? argc - 1 : 1;
            for (int i = start; i != end; i = start <= end ? i + 1 : i - 1)
            {
                if (i >= argc || i < 1) break;
                if (System.Text.Ascii.EqualsIgnoreCase(arg(i), Keyword!))
                {
                    first = i + 1;
                    break;
                }
            }
            if (first == 0) return true;
        }
        else return false;

        int last, step;
        if (FindType == "range")
        {
            step = B;
            last = A >= 0 ? first + A : C == 0 ? argc + A : first + ((argc - first) / C + A);
        }
        else if (FindType == "keynum")
        {
            step = C;
            if (A >= argc || first + A >= argc || !Resp.RespNumber.TryParseInt64(arg(first + A), out long count) || count < 0) return false;
            first += B;
            last = first + (int)count - 1;
        }
        else return false;
        if (last >= argc || last < first || first >= argc) return false;
        for (int i = first; i <= last; i += Math.Max(1, step))
        {
            if (i >= argc || i < first)
            {
                if (arity < 0) continue;
                return false;
            }
            keys.Add((i, Flags));
        }
        return (Flags & KeyFlags.Incomplete) == 0;
    }
}
