namespace PasteRedis.Server.Commands;

/// <summary>
/// The one command table: dispatch, arity checks, COMMAND and the log all read it.
/// Dispatch looks names up from the received bytes (<see cref="CommandLookup"/>).
/// </summary>
internal sealed class CommandTable
{
    private readonly Dictionary<string, RedisCommand> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly CommandLookup _lookup;
    private readonly CommandLookup? _original;

    /// <summary>
    /// The table, with rename-command applied in order: a command is found under its new
    /// name only, or under none when renamed to "" (its own name, COMMAND INFO's, stays).
    /// </summary>
    public CommandTable(IEnumerable<RedisCommand> commands, IReadOnlyList<(string From, string To)>? renames = null)
    {
        foreach (var c in commands) _commands.Add(c.Name, c);
        if (renames is { Count: > 0 })
        {
            _original = new CommandLookup(_commands.Select(kv => (kv.Key, kv.Value)));
            foreach (var (from, to) in renames)
            {
                if (!_commands.Remove(from, out var renamed)) continue;
                if (to.Length > 0) _commands[to] = renamed;
            }
        }
        // ACL ids, containers before their subcommands.
        foreach (var c in _commands.Values)
        {
            Number(c);
            foreach (var sub in c.Subcommands?.Values ?? Enumerable.Empty<RedisCommand>()) Number(sub);
        }
        _lookup = new CommandLookup(_commands.Select(kv => (kv.Key, kv.Value)));
    }

    private readonly List<RedisCommand> _everyCommand = [];

    private void Number(RedisCommand c)
    {
        c.AclId = _everyCommand.Count;
        c.AclCategoryBits = Acl.AclCategories.BitsOf(c.AclCategories());
        _everyCommand.Add(c);
    }

    /// <summary>Every command and subcommand, by <see cref="RedisCommand.AclId"/>.</summary>
    public IReadOnlyList<RedisCommand> ByAclId => _everyCommand;

    public int Count => _commands.Count;
    public IEnumerable<RedisCommand> All => _commands.Values;

    public bool TryGet(ReadOnlySpan<byte> name, out RedisCommand command) => _lookup.TryGet(name, out command);

    /// <summary>
    /// For replaying the server's own log: a command under its own name even
    /// when renamed, since the records the server composes itself (DEL of an expired key,
    /// SELECT, MULTI/EXEC, absolute forms) name commands as Redis does.
    /// </summary>
    public bool TryGetInternal(ReadOnlySpan<byte> name, out RedisCommand command) =>
        _lookup.TryGet(name, out command) || (_original != null && _original.TryGet(name, out command));

    public RedisCommand? Find(string name) => _commands.GetValueOrDefault(name);
}
