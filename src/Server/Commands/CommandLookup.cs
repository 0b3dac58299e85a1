using System.Text;

namespace PasteRedis.Server.Commands;

/// <summary>
/// Command names looked up straight from the received bytes, ignoring ASCII case, the way
/// Redis's command dict hashes with dictGenCaseHashFunction: an open-addressing table of
/// the names as bytes, probed with a case-folded hash, compared with an ASCII
/// case-insensitive equality. No widening to chars, no allocation.
/// </summary>
internal sealed class CommandLookup
{
    private readonly byte[][] _names;
    private readonly RedisCommand?[] _commands;
    private readonly int _mask;

    public CommandLookup(IEnumerable<(string Name, RedisCommand Command)> entries)
    {
        var list = entries.ToList();
        int size = 8;
        while (size < list.Count * 4) size *= 2;
        _names = new byte[size][];
        _commands = new RedisCommand?[size];
        _mask = size - 1;
        foreach (var (name, command) in list)
        {
            var bytes = Encoding.ASCII.GetBytes(name);
            int slot = Hash(bytes) & _mask;
            while (_commands[slot] != null) slot = (slot + 1) & _mask;
            _names[slot] = bytes;
            _commands[slot] = command;
        }
    }

    public bool TryGet(ReadOnlySpan<byte> name, out RedisCommand command)
    {
        int slot = Hash(name) & _mask;
        while (_commands[slot] is { } candidate)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(_names[slot], name))
            {
                command = candidate;
                return true;
            }
            slot = (slot + 1) & _mask;
        }
        command = null!;
        return false;
    }

    private static int Hash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        foreach (var b in name) h = (h ^ (uint)(b | 0x20)) * 16777619; // FNV-1a over the case-folded bytes
        return (int)(h ^ (h >> 15));
    }
}
