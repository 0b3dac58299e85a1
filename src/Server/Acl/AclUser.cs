using System.Security.Cryptography;
using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;

namespace PasteRedis.Server.Acl;

/// <summary>
/// An ACL user (Redis's struct user): on/off, passwords as SHA-256 hex, its root selector
/// and any more selectors (<see cref="AclSelector"/>: what it may run and touch). Rules are
/// applied as ACL SETUSER applies them. Names, passwords and patterns are bytes: held as
/// Latin-1 strings, one char per byte.
/// </summary>
internal sealed class AclUser
{
    private readonly CommandTable _table;

    public AclUser(string name, CommandTable table, bool allChannelsByDefault)
    {
        Name = name;
        _table = table;
        Root = new AclSelector(table, allChannelsByDefault);
    }

    public string Name { get; }
    public bool Enabled { get; private set; }
    public bool NoPass { get; private set; }
    public bool SanitizePayload { get; private set; }
    public bool SkipSanitizePayload { get; private set; }
    public List<string> Passwords { get; private set; } = [];
    public AclSelector Root { get; private set; }
    public List<AclSelector> Selectors { get; private set; } = [];

    /// <summary>Allowed everything: its clients skip every permission check.</summary>
    public bool Unrestricted => Root.Unrestricted;

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
        Root = other.Root.Clone();
        Selectors = other.Selectors.Select(s => s.Clone()).ToList();
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
            case "clearselectors":
                Selectors.Clear();
                return null;
            case "reset":
                Apply("resetpass", allChannelsByDefault);
                Apply("resetkeys", allChannelsByDefault);
                Apply(allChannelsByDefault ? "allchannels" : "resetchannels", allChannelsByDefault);
                Apply("off", allChannelsByDefault);
                Apply("clearselectors", allChannelsByDefault);
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
            case '(' when op.Length >= 2 && op[^1] == ')':
                // A selector: its own rules, separated by spaces (Redis's aclCreateSelectorFromOpSet).
                var selector = new AclSelector(_table, allChannelsByDefault);
                foreach (var rule in op[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (selector.Apply(rule) is { } why) return why;
                Selectors.Add(selector);
                return null;
        }
        return Root.Apply(op);
    }

    /// <summary>
    /// Redis's ACLMergeSelectorArguments: arguments from one beginning with "(" to one ending
    /// with ")" are one selector rule (redis-cli splits "(~k* +get)" at its space). Null, with
    /// the argument that opened it, when a selector is not closed.
    /// </summary>
    public static List<string>? MergeSelectors(IReadOnlyList<string> args, out string? unclosed)
    {
        var merged = new List<string>();
        StringBuilder? selector = null;
        unclosed = null;
        foreach (var op in args)
        {
            if (selector == null && op.StartsWith('(') && !op.EndsWith(')'))
            {
                selector = new StringBuilder(op);
                unclosed = op;
                continue;
            }
            if (selector != null)
            {
                selector.Append(' ').Append(op);
                if (op.EndsWith(')'))
                {
                    merged.Add(selector.ToString());
                    selector = null;
                    unclosed = null;
                }
                continue;
            }
            merged.Add(op);
        }
        return selector == null ? merged : null;
    }

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

    /// <summary>The user as ACL LIST and CONFIG REWRITE write it (without the leading "user ").</summary>
    public string Describe()
    {
        var sb = new StringBuilder(Name);
        foreach (var f in FlagNames()) sb.Append(' ').Append(f);
        foreach (var p in Passwords) sb.Append(" #").Append(p);
        sb.Append(' ').Append(Root.Describe());
        foreach (var s in Selectors) sb.Append(" (").Append(s.Describe()).Append(')');
        return sb.ToString();
    }

    /// <summary>
    /// Whether the user may run the command: when one selector allows it whole. Otherwise
    /// the refusal Redis reports (ACLCheckAllUserCommandPerm): the command when no selector
    /// allows it, else the key or channel refused last in the arguments.
    /// </summary>
    public AclDenial Check(RedisCommand cmd, RespRequest request, out int denied)
    {
        List<(int Pos, KeyFlags Flags)>? keys = null;
        var worst = Root.Check(cmd, request, ref keys, out denied);
        if (worst == AclDenial.None) return worst;
        foreach (var selector in Selectors)
        {
            var denial = selector.Check(cmd, request, ref keys, out int at);
            if (denial == AclDenial.None)
            {
                denied = 0;
                return denial;
            }
            if (denial > worst || (denial == worst && at > denied)) (worst, denied) = (denial, at);
        }
        return worst;
    }

    /// <summary>Whether a subscription may stay: a selector allows the channel (or the pattern, literally).</summary>
    public bool MayUse(ReadOnlySpan<byte> channel, bool literal)
    {
        if (Root.MayUse(channel, literal)) return true;
        foreach (var s in Selectors)
            if (s.MayUse(channel, literal)) return true;
        return false;
    }
}
