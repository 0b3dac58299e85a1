using System.Security.Cryptography;
using System.Text;
using PasteRedis.Server.Commands;

namespace PasteRedis.Server.Acl;

/// <summary>
/// An ACL user (Redis's struct user with its root selector): on/off, passwords as SHA-256
/// hex, the commands it may run (a bit per command and subcommand, plus first arguments
/// allowed of a command otherwise denied), the key and channel patterns it may touch.
/// Rules are applied as ACL SETUSER applies them; the command rules are kept in the order
/// given (a later rule for the same command or category replaces the earlier one), as
/// Redis 7.2 keeps and shows them. Names, passwords and patterns are bytes: held as Latin-1
/// strings, one char per byte.
/// </summary>
internal sealed class AclUser
{
    private readonly CommandTable _table;

    public AclUser(string name, CommandTable table, bool allChannelsByDefault)
    {
        Name = name;
        _table = table;
        Allowed = new bool[table.ByAclId.Count];
        AllChannels = allChannelsByDefault;
    }

    public string Name { get; }
    public bool Enabled { get; private set; }
    public bool NoPass { get; private set; }
    public bool SanitizePayload { get; private set; }
    public bool SkipSanitizePayload { get; private set; }
    public List<string> Passwords { get; private set; } = [];

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
    public List<(string Pattern, int Permission)> KeyPatterns { get; private set; } = [];

    public const int ReadPermission = 1, WritePermission = 2, AllPermissions = 3;
    public bool AllChannels { get; private set; }
    public List<string> ChannelPatterns { get; private set; } = [];

    /// <summary>Allowed everything: its clients skip every permission check.</summary>
    public bool Unrestricted => AllCommands && AllKeys && AllChannels;

    public AclUser Clone()
    {
        var u = (AclUser)MemberwiseClone();
        u.CopyFrom(this);
        return u;
    }

    /// <summary>Takes every rule of <paramref name="other"/> (SETUSER's rules are applied to a copy first, then here).</summary>
    public void CopyFrom(AclUser other)
    {
        Enabled = other.Enabled;
        NoPass = other.NoPass;
        SanitizePayload = other.SanitizePayload;
        SkipSanitizePayload = other.SkipSanitizePayload;
        Passwords = [.. other.Passwords];
        Allowed = (bool[])other.Allowed.Clone();
        AllCommands = other.AllCommands;
        FutureCommands = other.FutureCommands;
        FirstArgs = other.FirstArgs?.ToDictionary(kv => kv.Key, kv => new List<string>(kv.Value));
        CommandRules = other.CommandRules;
        AllKeys = other.AllKeys;
        KeyPatterns = [.. other.KeyPatterns];
        AllChannels = other.AllChannels;
        ChannelPatterns = [.. other.ChannelPatterns];
    }

    public const string UnknownName = "Unknown command or category name in ACL";
    public const string SyntaxError = "Syntax error";

    /// <summary>Applies one rule; returns null, or the reason it was refused (the text after Redis's "Error in ACL SETUSER modifier '…': ").</summary>
    public string? Apply(string op, bool allChannelsByDefault)
    {
        switch (op.ToLowerInvariant())
        {
            case "on": Enabled = true; return null;
            case "off": Enabled = false; return null;
            case "nopass":
                NoPass = true;
                Passwords.Clear();
                return null;
            case "resetpass":
                NoPass = false;
                Passwords.Clear();
                return null;
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
            case "clearselectors": return null; // this server has no selectors beyond the root one
            case "reset":
                Apply("resetpass", allChannelsByDefault);
                Apply("resetkeys", allChannelsByDefault);
                Apply(allChannelsByDefault ? "allchannels" : "resetchannels", allChannelsByDefault);
                Apply("off", allChannelsByDefault);
                Apply("-@all", allChannelsByDefault);
                Apply("sanitize-payload", allChannelsByDefault);
                return null;
            // Whether RESTORE may skip checking a payload deeply (sanitize-dump-payload clients): this server
            // checks every payload as it loads it, so neither flag changes what it does; both are kept and shown.
            case "skip-sanitize-payload":
                SanitizePayload = false;
                SkipSanitizePayload = true;
                return null;
            case "sanitize-payload":
                SkipSanitizePayload = false;
                SanitizePayload = true;
                return null;
        }
        if (op.Length == 0) return SyntaxError;
        switch (op[0])
        {
            case '>': return AddPassword(Hash(op[1..]));
            case '<': return RemovePassword(Hash(op[1..]));
            case '#':
                if (!IsHash(op[1..])) return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
                return AddPassword(op[1..]);
            case '!':
                if (!IsHash(op[1..])) return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
                return RemovePassword(op[1..]);
            case '~' or '%': return AddKeyPattern(op);
            case '(': return "selectors are not supported by this server";
            case '&':
                if (AllChannels) return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
                if (!ChannelPatterns.Contains(op[1..])) ChannelPatterns.Add(op[1..]);
                return null;
            case '+' or '-': return ApplyCommandRule(op[1..], op[0] == '+');
        }
        return SyntaxError;
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
                else return SyntaxError;
            }
            if (permission == 0) return SyntaxError;
        }
        var pattern = op[offset..];
        if (pattern == "*" && permission == AllPermissions)
        {
            AllKeys = true;
            KeyPatterns.Clear();
            return null;
        }
        int at = KeyPatterns.FindIndex(p => p.Pattern == pattern);
        if (at >= 0) KeyPatterns[at] = (pattern, KeyPatterns[at].Permission | permission);
        else KeyPatterns.Add((pattern, permission));
        return null;
    }

    private static string Describe((string Pattern, int Permission) p) => p.Permission switch
    {
        AllPermissions => "~" + p.Pattern,
        ReadPermission => "%R~" + p.Pattern,
        _ => "%W~" + p.Pattern,
    };

    private string? AddPassword(string hash)
    {
        if (!Passwords.Contains(hash)) Passwords.Add(hash);
        NoPass = false;
        return null;
    }

    private string? RemovePassword(string hash)
    {
        if (!Passwords.Remove(hash)) return "The password you are trying to remove from the user does not exist";
        NoPass = false;
        return null;
    }

    private string? ApplyCommandRule(string rule, bool allow)
    {
        if (rule.StartsWith('@'))
        {
            ulong bit = AclCategories.Bit(rule[1..]);
            if (bit == 0) return UnknownName;
            foreach (var cmd in _table.ByAclId)
                if ((cmd.AclCategoryBits & bit) != 0) SetCommand(cmd, allow, withSubcommands: false);
            UpdateRules(rule, allow);
            return null;
        }
        int bar = rule.IndexOf('|');
        if (bar < 0)
        {
            if (_table.Find(rule) is not { } cmd) return UnknownName;
            SetCommand(cmd, allow, withSubcommands: true);
            UpdateRules(rule, allow);
            return null;
        }
        if (_table.Find(rule[..bar]) is not { } parent) return UnknownName;
        string rest = rule[(bar + 1)..];
        if (parent.Subcommands != null)
        {
            if (rest.Contains('|')) return "Allowing first-arg of a subcommand is not supported";
            if (parent.Subcommands.GetValueOrDefault(rest) is not { } sub) return UnknownName;
            SetCommand(sub, allow, withSubcommands: false);
            UpdateRules(rule, allow);
            return null;
        }
        // "+select|0": a first argument allowed of an otherwise denied command; no "-" form.
        if (!allow || rest.Length == 0 || rest.Contains('|')) return UnknownName;
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

    public static string Hash(string latin1Password) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.Latin1.GetBytes(latin1Password)));

    private static bool IsHash(string s) => s.Length == 64 && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>Whether <paramref name="password"/> opens this user (constant time per stored hash).</summary>
    public bool Accepts(ReadOnlySpan<byte> password)
    {
        if (!Enabled) return false;
        if (NoPass) return true;
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(password, digest);
        Span<byte> hex = stackalloc byte[64];
        for (int i = 0; i < 32; i++)
        {
            hex[2 * i] = (byte)"0123456789abcdef"[digest[i] >> 4];
            hex[2 * i + 1] = (byte)"0123456789abcdef"[digest[i] & 0xF];
        }
        bool ok = false;
        foreach (var stored in Passwords)
            ok |= CryptographicOperations.FixedTimeEquals(hex, Encoding.Latin1.GetBytes(stored));
        return ok;
    }

    /// <summary>Flag names as ACL GETUSER lists them.</summary>
    public IEnumerable<string> FlagNames()
    {
        yield return Enabled ? "on" : "off";
        if (NoPass) yield return "nopass";
        if (SkipSanitizePayload) yield return "skip-sanitize-payload";
        if (SanitizePayload) yield return "sanitize-payload";
    }

    /// <summary>The command rules as ACL LIST shows them: the base, then the rules in the order given.</summary>
    public string DescribeCommands() => (FutureCommands ? "+@all" : "-@all") + (CommandRules.Length > 0 ? " " + CommandRules : "");

    public string DescribeKeys() => AllKeys ? "~*" : string.Join(' ', KeyPatterns.Select(Describe));

    public string DescribeChannels() => AllChannels ? "&*" : string.Join(' ', ChannelPatterns.Select(p => "&" + p));

    /// <summary>The user as ACL LIST and CONFIG REWRITE write it (without the leading "user ").</summary>
    public string Describe()
    {
        var sb = new StringBuilder(Name);
        foreach (var f in FlagNames()) sb.Append(' ').Append(f);
        foreach (var p in Passwords) sb.Append(" #").Append(p);
        if (AllKeys) sb.Append(" ~*");
        else foreach (var p in KeyPatterns) sb.Append(' ').Append(Describe(p));
        if (AllChannels) sb.Append(" &*");
        else
        {
            sb.Append(" resetchannels");
            foreach (var p in ChannelPatterns) sb.Append(" &").Append(p);
        }
        sb.Append(' ').Append(DescribeCommands());
        return sb.ToString();
    }
}
