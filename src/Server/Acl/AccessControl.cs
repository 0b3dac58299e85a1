using Microsoft.Extensions.Logging;
using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Acl;

internal enum AclDenial { None, Command, Key, Channel }

/// <summary>
/// The server's ACL users and security log (Redis's acl.c): the "default" user every
/// connection starts as (requirepass is its password), AUTH's check, and the check every
/// command passes before it runs: the command (or its first argument), its keys against the
/// user's key patterns, its channels against the channel patterns. A user allowed
/// everything (the default user as it starts) skips the checks, so they cost nothing then.
/// </summary>
internal sealed class AccessControl
{
    private readonly RedisServer _server;
    private readonly SortedDictionary<string, AclUser> _users = new(StringComparer.Ordinal);
    private readonly LinkedList<AclLogEntry> _log = new();
    private string? _appliedRequirePass;

    public AccessControl(RedisServer server)
    {
        _server = server;
        Default = NewDefaultUser(server.Commands);
        _users.Add(Default.Name, Default);
    }

    public AclUser Default { get; }
    public IEnumerable<AclUser> Users => _users.Values;

    private bool AllChannelsByDefault => _server.Config.Get("acl-pubsub-default") == "allchannels";

    /// <summary>Connections must authenticate: the default user has a password, or is off (Redis's authRequired).</summary>
    public bool DefaultNeedsAuth => !Default.NoPass || !Default.Enabled;

    public AclUser? Find(string name) => _users.GetValueOrDefault(name);

    /// <summary>The aclfile, when one is configured (ACL LOAD and SAVE use it; CONFIG REWRITE then writes no users).</summary>
    public string? AclFile => _server.Config.Get("aclfile") is { Length: > 0 } path ? path : null;

    /// <summary>
    /// ACL LOAD (and the start with an aclfile): every line of the file is read before any
    /// takes effect; with an error nothing changes and the error names each bad line, as
    /// Redis's does. Then the file's users replace all others (the default user is the
    /// file's, or a fresh one), and the connections of the replaced users are closed, as
    /// Redis closes them. Returns null, or the error without "ERR ".
    /// </summary>
    public string? LoadFile(ClientSession? caller)
    {
        var path = AclFile!;
        if (ReadUsersFile(path, _server.Commands, AllChannelsByDefault, out var users) is { } error) return error;
        var fresh = users.GetValueOrDefault("default") ?? NewDefaultUser(_server.Commands);
        Default.CopyFrom(fresh);
        _users.Clear();
        _users.Add(Default.Name, Default);
        foreach (var (name, user) in users)
            if (name != Default.Name) _users.Add(name, user);
        foreach (var client in _server.Clients.ToList())
            if (client.User != Default && !client.IsInternal)
            {
                client.LogOut();
                if (client == caller) client.CloseAfterReply();
                else client.Kill();
            }
        return null;
    }

    /// <summary>ACL SAVE: every user as a "user" line, written to a new file that replaces the aclfile. Null, or Redis's error.</summary>
    public string? SaveFile()
    {
        var path = AclFile!;
        try
        {
            var text = string.Concat(Users.Select(u => "user " + u.Describe() + "\n"));
            Paste.DurableFiles.WriteDurably(path, Encoding.Latin1.GetBytes(text), $"temp-{Environment.ProcessId}.acl");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _server.Logger.LogWarning("Saving the ACLs to {Path} failed: {Error}", path, e.Message);
            return "There was an error trying to save the ACLs. Please check the server logs for more information";
        }
    }

    /// <summary>
    /// Reads an ACL file (Redis's ACLLoadFromFile): "user name rule …" lines, blank lines
    /// skipped; every error is collected (Redis's texts, naming the file and line) and then
    /// returned with Redis's closing warning. Null when every line was good.
    /// </summary>
    public static string? ReadUsersFile(string path, CommandTable table, bool allChannelsByDefault, out Dictionary<string, AclUser> users)
    {
        users = new Dictionary<string, AclUser>(StringComparer.Ordinal);
        string text;
        try { text = Encoding.Latin1.GetString(File.ReadAllBytes(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
                UnauthorizedAccessException => "Permission denied",
                _ => e.Message,
            };
            return $"Error loading ACLs, opening file '{path}': {why}";
        }
        var errors = new StringBuilder();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim(' ', '\t', '\r', '\n');
            if (line.Length == 0) continue;
            var words = Configuration.ConfigLoader.SplitArgs(line);
            if (words == null)
            {
                errors.Append($"{path}:{n + 1}: unbalanced quotes in acl line. ");
                continue;
            }
            if (words.Count == 0) continue;
            if (words[0] != "user" || words.Count < 2)
            {
                errors.Append($"{path}:{n + 1} should start with user keyword followed by the username. ");
                continue;
            }
            if (users.ContainsKey(words[1]))
            {
                errors.Append($"WARNING: Duplicate user '{words[1]}' found on line {n + 1}. ");
                continue;
            }
            if (ParseUser(words[1], words.Skip(2).ToList(), table, allChannelsByDefault, out var user) is { } why)
            {
                errors.Append($"{path}:{n + 1}: {why}. ");
                continue;
            }
            users.Add(words[1], user!);
        }
        if (errors.Length == 0) return null;
        users.Clear();
        return errors.Append("WARNING: ACL errors detected, no change to the previously active ACL rules was performed").ToString();
    }

    /// <summary>A new user from its rules (an ACL file's or the config file's "user" line); null, or what was wrong.</summary>
    public static string? ParseUser(string name, List<string> rules, CommandTable table, bool allChannelsByDefault, out AclUser? user)
    {
        user = null;
        if (AclUser.MergeSelectors(rules, out var unclosed) is not { } merged) return $"Unmatched parenthesis in acl selector starting at '{unclosed}'";
        var parsed = new AclUser(name, table, allChannelsByDefault);
        foreach (var rule in merged)
            if (parsed.Apply(rule, allChannelsByDefault) is { } why) return $"Error in applying operation '{rule}': {why}";
        user = parsed;
        return null;
    }

    private static AclUser NewDefaultUser(CommandTable table)
    {
        var user = new AclUser("default", table, true);
        foreach (var rule in (ReadOnlySpan<string>)["+@all", "~*", "&*", "on", "nopass"]) user.Apply(rule, true);
        return user;
    }

    /// <summary>requirepass is the default user's password: a changed value replaces its passwords (or makes it nopass).</summary>
    public void ApplyRequirePass(string requirePass)
    {
        if (requirePass == _appliedRequirePass) return;
        _appliedRequirePass = requirePass;
        Default.Apply("resetpass", true);
        Default.Apply(requirePass.Length == 0 ? "nopass" : ">" + Latin1(Encoding.UTF8.GetBytes(requirePass)), true);
    }

    /// <summary>
    /// ACL SETUSER: the rules applied in order to a copy (a new user starts off, with no
    /// permissions), which replaces the user only when every rule was valid. Returns null or Redis's error.
    /// </summary>
    public string? SetUser(string name, IReadOnlyList<string> rules, ClientSession? caller = null)
    {
        if (name.Any(ch => char.IsWhiteSpace(ch) || ch == '\0')) return "ERR Usernames can't contain spaces or null characters";
        if (AclUser.MergeSelectors(rules, out var unclosed) is not { } merged) return $"ERR Unmatched parenthesis in acl selector starting at '{unclosed}'.";
        rules = merged;
        var existing = Find(name);
        var draft = existing?.Clone() ?? new AclUser(name, _server.Commands, AllChannelsByDefault);
        foreach (var rule in rules)
            if (draft.Apply(rule, AllChannelsByDefault) is { } why)
                return $"ERR Error in ACL SETUSER modifier '{rule}': {why}";
        if (existing != null)
        {
            existing.CopyFrom(draft);
            CloseSubscribersNoLongerAllowed(existing, caller);
        }
        else _users.Add(name, draft);
        return null;
    }

    /// <summary>
    /// After a user's rules changed: its connections subscribed to a channel (or pattern)
    /// the rules no longer allow are closed, as Redis 7 closes them (ACLKillPubsubClientsIfNeeded).
    /// </summary>
    private void CloseSubscribersNoLongerAllowed(AclUser user, ClientSession? caller)
    {
        if (user.Root.AllChannels) return;
        foreach (var client in _server.Clients.ToList())
        {
            if (client.User != user || client.SubscriptionCount == 0) continue;
            bool allowed = client.SubscribedChannels.All(ch => user.MayUse(ch, literal: false))
                && client.SubscribedPatterns.All(pattern => user.MayUse(pattern, literal: true));
            if (allowed) continue;
            if (client == caller) client.CloseAfterReply();
            else client.Kill();
        }
    }

    /// <summary>ACL DELUSER: removes the users and closes their connections; the count removed.</summary>
    public int DeleteUsers(ClientSession caller, IEnumerable<string> names)
    {
        int deleted = 0;
        foreach (var name in names)
        {
            if (!_users.Remove(name, out var user)) continue;
            deleted++;
            foreach (var client in _server.Clients.ToList())
                if (client.User == user)
                {
                    client.LogOut();
                    if (client == caller) client.CloseAfterReply();
                    else client.Kill();
                }
        }
        return deleted;
    }

    /// <summary>AUTH and HELLO AUTH: the user when it exists, is on and takes the password; a failure is logged.</summary>
    public AclUser? Authenticate(ClientSession c, string userName, ReadOnlySpan<byte> password)
    {
        if (Find(userName) is { } user && user.Accepts(password)) return user;
        Log(c, "auth", "toplevel", Latin1(c.Request.Arg(0)), userName, Latin1(c.Request.Arg(0)).ToLowerInvariant()); // the object: AUTH or HELLO as typed
        return null;
    }

    /// <summary>Whether <paramref name="user"/> may run <paramref name="cmd"/> with these arguments (argument 0 is the name); <paramref name="denied"/> is the argument refused.</summary>
    public AclDenial Check(AclUser user, RedisCommand cmd, RespRequest request, out int denied)
    {
        denied = 0;
        return user.Unrestricted ? AclDenial.None : user.Check(cmd, request, out denied);
    }

    /// <summary>NOPERM for a client's command (Redis's getAclErrorMessage).</summary>
    public static string Error(AclDenial denial, RedisCommand cmd) => denial switch
    {
        AclDenial.Command => $"NOPERM this user has no permissions to run the '{cmd.FullName}' command",
        AclDenial.Key => "NOPERM this user has no permissions to access one of the keys used as arguments",
        _ => "NOPERM this user has no permissions to access one of the channels used as arguments",
    };

    /// <summary>Logs a refused command; the object is the command, the key or the channel.</summary>
    public void LogDenial(ClientSession c, AclDenial denial, RedisCommand cmd, RespRequest request, int denied, string context, bool clientRunsIt)
    {
        var (reason, obj) = denial switch
        {
            AclDenial.Command => ("command", cmd.FullName),
            AclDenial.Key => ("key", Latin1(request.Arg(denied))),
            _ => ("channel", Latin1(request.Arg(denied))),
        };
        Log(c, reason, context, obj, c.User.Name, clientRunsIt ? cmd.FullName : null); // in EXEC or a script: the client's own command
    }

    public IReadOnlyCollection<AclLogEntry> LogEntries => _log;

    public void ResetLog() => _log.Clear();

    /// <summary>
    /// A log entry, or one more count of the same (reason, context, object, user) within a
    /// minute among the ten newest, moved to the front (Redis's addACLLogEntry); at most acllog-max-len kept.
    /// </summary>
    private void Log(ClientSession c, string reason, string context, string obj, string userName, string? command)
    {
        long now = RedisServer.NowMs();
        string clientInfo = ClientCommands.Describe(c, command);
        int scan = 10; // as Redis: only the ten newest entries are looked at for a match
        for (var node = _log.First; node != null && scan-- > 0; node = node.Next)
        {
            var e = node.Value;
            if (e.Reason == reason && e.Context == context && e.Object == obj && e.UserName == userName && now - e.CreatedMs < 60_000)
            {
                e.Count++;
                e.CreatedMs = now;
                e.ClientInfo = clientInfo;
                _log.Remove(node);
                _log.AddFirst(node);
                return;
            }
        }
        _log.AddFirst(new AclLogEntry(reason, context, obj, userName) { Count = 1, CreatedMs = now, ClientInfo = clientInfo });
        long max = long.Parse(_server.Config.Get("acllog-max-len"), System.Globalization.CultureInfo.InvariantCulture);
        while (_log.Count > max) _log.RemoveLast();
    }

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}

internal sealed class AclLogEntry(string reason, string context, string obj, string userName)
{
    public string Reason { get; } = reason;
    public string Context { get; } = context;
    public string Object { get; } = obj;
    public string UserName { get; } = userName;
    public long Count { get; set; }
    public long CreatedMs { get; set; }
    public string ClientInfo { get; set; } = "";
}
