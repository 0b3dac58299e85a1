using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Acl;

/// <summary>
/// What an ACL user may touch (Redis's aclSelector): the commands (a bit per command and
/// subcommand, plus first arguments allowed of a command otherwise denied), the key
/// patterns (each for reading, writing or both) and the channel patterns. A user has its
/// root selector and any number more ("(~k* +get)"); a command is allowed when one of them
/// allows it whole. The command rules are kept in the order given (a later rule for the
/// same command or category replaces the earlier one), as Redis 7.2 keeps and shows them.
/// </summary>
internal sealed class AclSelector
{
    private readonly CommandTable _table;

    public AclSelector(CommandTable table, bool allChannelsByDefault)
    {
        _table = table;
        Allowed = new bool[table.ByAclId.Count];
        AllChannels = allChannelsByDefault;
    }

    public bool[] Allowed { get; private set; }
    /// <summary>Every command allowed (Redis's ALLCOMMANDS flag: cleared by any command taken away).</summary>
    public bool AllCommands { get; private set; }
    /// <summary>+@all was the base: commands added later are allowed too (Redis's reserved command bit).</summary>
    public bool FutureCommands { get; private set; }
    /// <summary>First arguments allowed of a command that is otherwise denied ("+select|0").</summary>
    public Dictionary<int, List<string>>? FirstArgs { get; private set; }
    public string CommandRules { get; private set; } = "";

    public bool AllKeys { get; private set; }
    /// <summary>Key patterns with what they allow: 1 read, 2 write, 3 both ("~p"; "%R~p", "%W~p").</summary>
    public List<KeyPattern> KeyPatterns { get; private set; } = [];

    public const int ReadPermission = 1, WritePermission = 2, AllPermissions = 3;
    public bool AllChannels { get; private set; }
    public List<ChannelPattern> ChannelPatterns { get; private set; } = [];

    /// <summary>A pattern as given, and as the bytes matching compares (made once, not per command).</summary>
    internal readonly record struct KeyPattern(string Text, int Permission)
    {
        public byte[] Bytes { get; } = Encoding.Latin1.GetBytes(Text);
    }

    internal readonly record struct ChannelPattern(string Text)
    {
        public byte[] Bytes { get; } = Encoding.Latin1.GetBytes(Text);
    }

    /// <summary>Allowed everything: its clients skip every permission check.</summary>
    public bool Unrestricted => AllCommands && AllKeys && AllChannels;

    public AclSelector Clone()
    {
        var s = (AclSelector)MemberwiseClone();
        s.Allowed = (bool[])Allowed.Clone();
        s.FirstArgs = FirstArgs?.ToDictionary(kv => kv.Key, kv => new List<string>(kv.Value));
        s.KeyPatterns = [.. KeyPatterns];
        s.ChannelPatterns = [.. ChannelPatterns];
        return s;
    }

    /// <summary>Applies one selector rule (keys, channels, commands); null, or why it was refused.</summary>
    public string? Apply(string op)
    {
        switch (op.ToLowerInvariant())
        {
            case "allkeys" or "~*":
                AllKeys = true;
                KeyPatterns.Clear();
                return null;
            case "resetkeys":
                AllKeys = false;
                KeyPatterns.Clear();
                return null;
            case "allchannels" or "&*":
                AllChannels = true;
                ChannelPatterns.Clear();
                return null;
            case "resetchannels":
                AllChannels = false;
                ChannelPatterns.Clear();
                return null;
            case "allcommands" or "+@all":
                Array.Fill(Allowed, true);
                AllCommands = FutureCommands = true;
                FirstArgs = null;
                CommandRules = "";
                return null;
            case "nocommands" or "-@all":
                Array.Fill(Allowed, false);
                AllCommands = FutureCommands = false;
                FirstArgs = null;
                CommandRules = "";
                return null;
        }
        if (op.Length == 0) return AclUser.SyntaxError;
        switch (op[0])
        {
            case '~' or '%': return AddKeyPattern(op);
            case '&':
                if (AllChannels) return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
                if (!ChannelPatterns.Exists(p => p.Text == op[1..])) ChannelPatterns.Add(new ChannelPattern(op[1..]));
                return null;
            case '+' or '-': return ApplyCommandRule(op[1..], op[0] == '+');
        }
        return AclUser.SyntaxError;
    }

    /// <summary>"~pattern" (read and write), or "%R~", "%W~", "%RW~" (either or both): a pattern already there gains the permission.</summary>
    private string? AddKeyPattern(string op)
    {
        if (AllKeys) return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
        int permission = AllPermissions, offset = 1;
        if (op[0] == '%')
        {
            // As Redis 7.0 parses it: "%R" with no "~" is the empty pattern.
            permission = 0;
            for (; offset < op.Length; offset++)
            {
                char ch = char.ToUpperInvariant(op[offset]);
                if (ch == 'R' && (permission & ReadPermission) == 0) permission |= ReadPermission;
                else if (ch == 'W' && (permission & WritePermission) == 0) permission |= WritePermission;
                else if (ch == '~')
                {
                    offset++;
                    break;
                }
                else return AclUser.SyntaxError;
            }
            if (permission == 0) return AclUser.SyntaxError;
        }
        var pattern = op[offset..];
        if (pattern == "*" && permission == AllPermissions)
        {
            AllKeys = true;
            KeyPatterns.Clear();
            return null;
        }
        int at = KeyPatterns.FindIndex(p => p.Text == pattern);
        if (at >= 0) KeyPatterns[at] = KeyPatterns[at] with { Permission = KeyPatterns[at].Permission | permission };
        else KeyPatterns.Add(new KeyPattern(pattern, permission));
        return null;
    }

    private static string Describe(KeyPattern p) => p.Permission switch
    {
        AllPermissions => "~" + p.Text,
        ReadPermission => "%R~" + p.Text,
        _ => "%W~" + p.Text,
    };

    private string? ApplyCommandRule(string rule, bool allow)
    {
        if (rule.StartsWith('@'))
        {
            ulong bit = AclCategories.Bit(rule[1..]);
            if (bit == 0) return AclUser.UnknownName;
            foreach (var cmd in _table.ByAclId)
                if ((cmd.AclCategoryBits & bit) != 0) SetCommand(cmd, allow, withSubcommands: false);
            UpdateRules(rule, allow);
            return null;
        }
        int bar = rule.IndexOf('|');
        if (bar < 0)
        {
            if (_table.Find(rule) is not { } cmd) return AclUser.UnknownName;
            SetCommand(cmd, allow, withSubcommands: true);
            UpdateRules(rule, allow);
            return null;
        }
        if (_table.Find(rule[..bar]) is not { } parent) return AclUser.UnknownName;
        string rest = rule[(bar + 1)..];
        if (parent.Subcommands != null)
        {
            if (rest.Contains('|')) return "Allowing first-arg of a subcommand is not supported";
            if (parent.Subcommands.GetValueOrDefault(rest) is not { } sub) return AclUser.UnknownName;
            SetCommand(sub, allow, withSubcommands: false);
            UpdateRules(rule, allow);
            return null;
        }
        // "+select|0": a first argument allowed of an otherwise denied command; no "-" form.
        if (!allow || rest.Length == 0 || rest.Contains('|')) return AclUser.UnknownName;
        if (!Allowed[parent.AclId])
        {
            FirstArgs ??= [];
            if (!FirstArgs.TryGetValue(parent.AclId, out var args)) FirstArgs[parent.AclId] = args = [];
            if (!args.Contains(rest, StringComparer.OrdinalIgnoreCase)) args.Add(rest);
        }
        UpdateRules(rule, allow);
        return null;
    }

    private void SetCommand(RedisCommand cmd, bool allow, bool withSubcommands)
    {
        Allowed[cmd.AclId] = allow;
        FirstArgs?.Remove(cmd.AclId);
        if (!allow) AllCommands = false;
        if (withSubcommands && cmd.Subcommands != null)
            foreach (var sub in cmd.Subcommands.Values) SetCommand(sub, allow, withSubcommands: false);
    }

    /// <summary>Drops earlier rules for the same command (or its subcommands) or category, then appends this one.</summary>
    private void UpdateRules(string rule, bool allow)
    {
        rule = rule.ToLowerInvariant();
        var kept = CommandRules.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(r => r[1..] != rule && !r[1..].StartsWith(rule + "|", StringComparison.Ordinal));
        CommandRules = string.Join(' ', kept.Append((allow ? "+" : "-") + rule));
    }

    /// <summary>The command rules as ACL LIST shows them: the base, then the rules in the order given.</summary>
    public string DescribeCommands() => (FutureCommands ? "+@all" : "-@all") + (CommandRules.Length > 0 ? " " + CommandRules : "");

    public string DescribeKeys() => AllKeys ? "~*" : string.Join(' ', KeyPatterns.Select(Describe));

    public string DescribeChannels() => AllChannels ? "&*" : string.Join(' ', ChannelPatterns.Select(p => "&" + p.Text));

    /// <summary>Keys, channels and commands as ACL LIST writes a selector (without all channels, "resetchannels" first).</summary>
    public string Describe() => string.Join(' ',
        new[] { DescribeKeys(), AllChannels ? "" : "resetchannels", DescribeChannels(), DescribeCommands() }.Where(part => part.Length > 0));

    /// <summary>
    /// Whether this selector allows the whole command (Redis's ACLSelectorCheckCmd): the
    /// command (or its first argument; AUTH and HELLO need no permission), each key against
    /// the patterns that grant what it needs (read for a key the command accesses, write for
    /// one it inserts, deletes or updates), each channel. <paramref name="denied"/> is the
    /// refused argument. <paramref name="keys"/> is computed once for all selectors.
    /// </summary>
    public AclDenial Check(RedisCommand cmd, RespRequest request, ref List<(int Pos, KeyFlags Flags)>? keys, out int denied)
    {
        denied = 0;
        if (!AllCommands && (cmd.Flags & CommandFlags.NoAuth) == 0 && !Allowed[cmd.AclId])
        {
            bool firstArgOk = request.Count > 1 && FirstArgs != null && FirstArgs.TryGetValue(cmd.AclId, out var args)
                && args.Any(a => Ascii.EqualsIgnoreCase(request.Arg(1), Encoding.Latin1.GetBytes(a)));
            if (!firstArgOk) return AclDenial.Command;
        }
        if (!AllKeys && (cmd.FirstKey > 0 || (cmd.Flags & CommandFlags.MovableKeys) != 0))
        {
            keys ??= CommandCommands.KeysAndFlags(cmd, request);
            foreach (var (i, flags) in keys)
            {
                int needed = ((flags & KeyFlags.Access) != 0 ? ReadPermission : 0)
                    | ((flags & (KeyFlags.Insert | KeyFlags.Delete | KeyFlags.Update)) != 0 ? WritePermission : 0);
                var key = request.Arg(i);
                bool ok = false;
                foreach (var pattern in KeyPatterns)
                    if ((pattern.Permission & needed) == needed && GlobMatcher.IsMatch(pattern.Bytes, key)) { ok = true; break; }
                if (!ok)
                {
                    denied = i;
                    return AclDenial.Key;
                }
            }
        }
        if (!AllChannels && ChannelArguments(cmd) is var (first, literal) && first > 0)
        {
            for (int i = first; i < request.Count; i++)
            {
                if (!MayUse(request.Arg(i), literal))
                {
                    denied = i;
                    return AclDenial.Channel;
                }
                if (cmd.FullName is "publish" or "spublish") break; // the channel only, not the message
            }
        }
        return AclDenial.None;
    }

    /// <summary>A channel (or, <paramref name="literal"/>, a PSUBSCRIBE pattern, which must equal a channel pattern) this selector allows.</summary>
    public bool MayUse(ReadOnlySpan<byte> channel, bool literal)
    {
        if (AllChannels) return true;
        foreach (var pattern in ChannelPatterns)
            if (literal ? channel.SequenceEqual(pattern.Bytes) : GlobMatcher.IsMatch(pattern.Bytes, channel)) return true;
        return false;
    }

    /// <summary>Where a command's channels begin (0: none), and whether they are patterns matched literally (PSUBSCRIBE).</summary>
    private static (int First, bool Literal) ChannelArguments(RedisCommand cmd) => cmd.FullName switch
    {
        "publish" or "spublish" or "subscribe" or "ssubscribe" => (1, false),
        "psubscribe" => (1, true),
        _ => (0, false),
    };
}
