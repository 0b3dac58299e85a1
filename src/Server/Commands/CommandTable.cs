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
        _lookup = new CommandLookup(_commands.Select(kv => (kv.Key, kv.Value)));
    }

    public int Count => _commands.Count;
    public IEnumerable<RedisCommand> All => _commands.Values;

    public bool TryGet(ReadOnlySpan<byte> name, out RedisCommand command) => _lookup.TryGet(name, out command);

    public RedisCommand? Find(string name) => _commands.GetValueOrDefault(name);
}
