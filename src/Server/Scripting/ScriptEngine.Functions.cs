using System.Text;
using KeraLua;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Scripting;

/// <summary>
/// Redis 7 functions (functions.c, function_lua.c): libraries loaded by FUNCTION LOAD,
/// whose registered functions FCALL runs like scripts. Unlike scripts, libraries are data:
/// FUNCTION LOAD/DELETE/FLUSH/RESTORE are logged as they were received and replayed at
/// start-up, and a compaction writes every library first (FUNCTION LOAD REPLACE).
/// </summary>
internal sealed partial class ScriptEngine
{
    internal sealed record Function(string Name, Library Library, int Callback, string[] Flags, string? Description, int OneLine)
    {
        public bool NoWrites => Flags.Contains("no-writes");
        public ScriptFlags Declared => Flags.Aggregate(ScriptFlags.None, (all, f) => all | (ScriptFlagNames.Parse(f) ?? ScriptFlags.None));
    }

    internal sealed class Library(string name, byte[] code)
    {
        public string Name { get; } = name;
        public byte[] Code { get; } = code;
        public List<Function> Functions { get; } = [];
    }

    private readonly Dictionary<string, Library> _libraries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Function> _functions = new(StringComparer.Ordinal);
    private int _loadLibrary;

    public IReadOnlyCollection<Library> Libraries => _libraries.Values;
    public int FunctionCount => _functions.Count;

    public bool TryGetFunction(ReadOnlySpan<byte> name, out Function function) =>
        _functions.TryGetValue(Encoding.UTF8.GetString(name), out function!);

    /// <summary>
    /// FUNCTION LOAD [REPLACE]: compiles the library, runs its code to register its
    /// functions, and installs it (replacing one of that name when asked). Returns the
    /// library's name, or null with Redis's error.
    /// </summary>
    public string? LoadLibrary(ReadOnlySpan<byte> code, bool replace, out string? error)
    {
        var name = LibraryName(code, out error);
        if (name == null) return null;
        if (_libraries.ContainsKey(name) && !replace)
        {
            error = $"ERR Library '{name}' already exists";
            return null;
        }
        int eol = code.IndexOf((byte)'\n');
        return Install(name, code, eol, out error);
    }

    /// <summary>The library's name from its shebang line (functionExtractLibMetaData), or null with Redis's error.</summary>
    private static string? LibraryName(ReadOnlySpan<byte> code, out string? error)
    {
        error = null;
        if (!code.StartsWith("#!"u8))
        {
            error = "ERR Missing library metadata";
            return null;
        }
        int eol = code.IndexOf((byte)'\n');
        var shebang = Encoding.UTF8.GetString(eol < 0 ? code : code[..eol]).TrimEnd('\r');
        var parts = shebang.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? name = null;
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("name=", StringComparison.OrdinalIgnoreCase))
            {
                error = $"ERR Invalid metadata value given: {part}";
                return null;
            }
            if (name != null)
            {
                error = "ERR Invalid metadata value, name argument was given multiple times";
                return null;
            }
            name = part[5..];
        }
        if (name == null)
        {
            error = "ERR Library name was not given";
            return null;
        }
        var engine = parts.Length > 0 ? parts[0][2..] : "";
        if (!engine.Equals("lua", StringComparison.OrdinalIgnoreCase))
        {
            error = $"ERR Engine '{engine}' not found";
            return null;
        }
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
        {
            error = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
            return null;
        }
        return name;
    }

    private string? Install(string name, ReadOnlySpan<byte> code, int eol, out string? error)
    {
        error = null;
        // The shebang line is blanked, not removed, so that line numbers hold.
        var bytes = code.ToArray();
        var compiled = (byte[])bytes.Clone();
        compiled.AsSpan(0, eol < 0 ? compiled.Length : eol).Fill((byte)' ');
        if (_lua.LoadBuffer(compiled, "@user_function") != LuaStatus.OK)
        {
            error = "ERR Error compiling function: " + _lua.ToString(-1, false);
            _lua.Pop(1);
            return null;
        }
        int top = _lua.GetTop() - 1;
        var library = new Library(name, bytes);
        try
        {
            _lua.RawGetInteger(LuaRegistry.Index, _errorHandler);
            _lua.RawGetInteger(LuaRegistry.Index, _loadLibrary);
            _lua.PushCopy(top + 1);
            CallRef(_startHook);
            _started = System.Diagnostics.Stopwatch.GetTimestamp();
            _wrote = false;
            var status = _lua.PCall(1, 1, top + 2);
            CallRef(_stopHook);
            if (status != LuaStatus.OK)
            {
                string message = "unknown error";
                if (_lua.Type(-1) == LuaType.Table)
                {
                    _lua.GetField(-1, "err");
                    if (_lua.Type(-1) == LuaType.String) message = _lua.ToString(-1, false);
                    _lua.Pop(1);
                }
                else message = _lua.ToString(-1, false);
                error = "ERR Error registering functions: " + message;
                return null;
            }
            // The registered functions: {name, callback, flags, description} each.
            int list = _lua.GetTop();
            int count = (int)_lua.Length(list);
            if (count == 0)
            {
                error = "ERR No functions registered";
                return null;
            }
            for (int i = 1; i <= count; i++)
            {
                _lua.RawGetInteger(list, i);
                _lua.GetField(-1, "name");
                var fname = _lua.ToString(-1, false);
                _lua.Pop(1);
                _lua.GetField(-1, "description");
                var description = _lua.Type(-1) == LuaType.String ? _lua.ToString(-1, false) : null;
                _lua.Pop(1);
                _lua.GetField(-1, "flags");
                var flags = new string[_lua.Length(-1)];
                for (int f = 0; f < flags.Length; f++)
                {
                    _lua.RawGetInteger(-1, f + 1);
                    flags[f] = _lua.ToString(-1, false);
                    _lua.Pop(1);
                }
                _lua.Pop(1);
                _lua.GetField(-1, "line");
                int line = (int)_lua.ToInteger(-1);
                _lua.Pop(1);
                _lua.GetField(-1, "callback");
                library.Functions.Add(new Function(fname, library, _lua.Ref(LuaRegistry.Index), flags, description, line));
                _lua.Pop(1);
            }
            foreach (var f in library.Functions)
                if (_functions.TryGetValue(f.Name, out var existing) && existing.Library.Name != name)
                {
                    error = $"ERR Function {f.Name} already exists";
                    Release(library);
                    return null;
                }
            if (_libraries.TryGetValue(name, out var old)) DeleteLibrary(old);
            _libraries[name] = library;
            foreach (var f in library.Functions) _functions[f.Name] = f;
            return name;
        }
        finally { _lua.SetTop(top); }
    }

    private void Release(Library library)
    {
        foreach (var f in library.Functions) _lua.Unref(LuaRegistry.Index, f.Callback);
    }

    private void DeleteLibrary(Library library)
    {
        foreach (var f in library.Functions) _functions.Remove(f.Name);
        _libraries.Remove(library.Name);
        Release(library);
    }

    /// <summary>FUNCTION DELETE: false when there is no such library.</summary>
    public bool DeleteLibrary(string name)
    {
        if (!_libraries.TryGetValue(name, out var library)) return false;
        DeleteLibrary(library);
        return true;
    }

    /// <summary>
    /// FUNCTION RESTORE's libraries under a policy (FLUSH, APPEND, REPLACE): all of them, or
    /// none (the libraries before are loaded again). Returns null, or Redis's error.
    /// </summary>
    public string? RestoreLibraries(List<byte[]> codes, string policy)
    {
        var before = _libraries.Values.Select(l => l.Code).ToList();
        if (policy == "APPEND")
            foreach (var code in codes)
                if (LibraryName(code, out _) is { } name && _libraries.ContainsKey(name)) return $"ERR Library {name} already exists";
        if (policy == "FLUSH") FlushLibraries();
        foreach (var code in codes)
        {
            if (LoadLibrary(code, replace: policy != "APPEND", out var error) != null) continue;
            FlushLibraries();
            foreach (var old in before) LoadLibrary(old, replace: false, out _);
            return error;
        }
        return null;
    }

    /// <summary>FUNCTION FLUSH.</summary>
    public void FlushLibraries()
    {
        foreach (var library in _libraries.Values.ToList()) DeleteLibrary(library);
    }

    /// <summary>FCALL: the function called with its KEYS and ARGV tables, as a script is run.</summary>
    public void CallFunction(ClientSession caller, Function function, int firstKey, int keyCount, bool readOnly)
    {
        Invoke(caller, readOnly || function.NoWrites, function.Name, "@user_function", function.OneLine, () =>
        {
            _lua.RawGetInteger(LuaRegistry.Index, function.Callback);
            PushArray(caller, firstKey, keyCount);
            PushArray(caller, firstKey + keyCount, caller.Request.Count - firstKey - keyCount);
            return 2;
        });
    }

    private void PushArray(ClientSession caller, int first, int count)
    {
        _lua.CreateTable(count, 0);
        for (int i = 0; i < count; i++)
        {
            _lua.PushBuffer(caller.Request.Arg(first + i).ToArray());
            _lua.RawSetInteger(-2, i + 1);
        }
    }

    /// <summary>FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].</summary>
    public void List(RespWriter reply, byte[]? pattern, bool withCode)
    {
        var libraries = _libraries.Values
            .Where(l => pattern == null || PasteRedis.Server.Keyspace.GlobMatcher.IsMatch(pattern, Encoding.UTF8.GetBytes(l.Name)))
            .ToList();
        reply.ArrayHeader(libraries.Count);
        foreach (var library in libraries)
        {
            reply.MapHeader(withCode ? 4 : 3);
            reply.Bulk("library_name");
            reply.Bulk(library.Name);
            reply.Bulk("engine");
            reply.Bulk("LUA");
            reply.Bulk("functions");
            reply.ArrayHeader(library.Functions.Count);
            foreach (var f in library.Functions)
            {
                reply.MapHeader(3);
                reply.Bulk("name");
                reply.Bulk(f.Name);
                reply.Bulk("description");
                if (f.Description == null) reply.Null();
                else reply.Bulk(f.Description);
                reply.Bulk("flags");
                reply.SetHeader(f.Flags.Length);
                foreach (var flag in f.Flags) reply.SimpleString(flag);
            }
            if (withCode)
            {
                reply.Bulk("library_code");
                reply.Bulk(library.Code);
            }
        }
    }
}
