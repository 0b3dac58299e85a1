namespace PasteRedis.Server.Commands;

/// <summary>
/// The one command table: dispatch, arity checks, COMMAND and the log all read it.
/// Lookup is case-insensitive and allocation-free (command names are widened to chars on
/// the stack and probed through the dictionary's span lookup).
/// </summary>
internal sealed class CommandTable
{
    private readonly Dictionary<string, RedisCommand> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, RedisCommand>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public CommandTable(IEnumerable<RedisCommand> commands)
    {
        foreach (var c in commands) _commands.Add(c.Name, c);
        _lookup = _commands.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _commands.Count;
    public IEnumerable<RedisCommand> All => _commands.Values;

    public bool TryGet(ReadOnlySpan<byte> name, out RedisCommand command) => TryGet(_lookup, name, out command);

    public static bool TryGet(Dictionary<string, RedisCommand>.AlternateLookup<ReadOnlySpan<char>> lookup,
        ReadOnlySpan<byte> name, out RedisCommand command)
    {
        command = null!;
        if (name.Length == 0 || name.Length > 64) return false;
        Span<char> chars = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] > 127) return false;
            chars[i] = (char)name[i];
        }
        return lookup.TryGetValue(chars, out command!);
    }

    public RedisCommand? Find(string name) => _commands.GetValueOrDefault(name);
}
