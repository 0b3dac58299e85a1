namespace PasteRedis.Server.Commands;

/// <summary>
/// The one command table: dispatch, arity checks, COMMAND and the log all read it.
/// Dispatch looks names up from the received bytes (<see cref="CommandLookup"/>).
/// </summary>
internal sealed class CommandTable
{
    private readonly Dictionary<string, RedisCommand> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly CommandLookup _lookup;

    public CommandTable(IEnumerable<RedisCommand> commands)
    {
        foreach (var c in commands) _commands.Add(c.Name, c);
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

    public RedisCommand? Find(string name) => _commands.GetValueOrDefault(name);
}
