using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using PasteRedis.Resp;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Migration both ways with Redis: export the live keyspace as a standard Redis AOF
/// (RESP commands a real redis-server loads), and import a Redis AOF (one file, or a
/// Redis 7 appendonlydir through its manifest) at start-up.
/// </summary>
internal static class RedisAofInterop
{
    /// <summary>Writes FUNCTION LOAD for every library, then SELECT / SET key value [PXAT t] … for every live key; returns how many keys.</summary>
    public static long Export(RedisServer server, Stream output)
    {
        var composed = new ComposedCommand();
        long keys = 0, now = RedisServer.NowMs();
        lock (server.ExecLock)
        {
            // Function libraries first, as Redis's own AOF rewrite puts them before the data.
            foreach (var library in server.ScriptsIfStarted?.Libraries ?? [])
            {
                composed.Clear();
                composed.Add("FUNCTION"u8, "LOAD"u8, "REPLACE"u8, library.Code);
                output.Write(composed[0]);
            }
            foreach (var db in server.Databases)
            {
                if (db.Count == 0) continue;
                composed.Clear();
                composed.Add("SELECT"u8, Encoding.ASCII.GetBytes(db.Id.ToString()));
                output.Write(composed[0]);
                foreach (var obj in db.Objects)
                {
                    if (obj.HasExpiry && obj.ExpireAt <= now) continue;
                    if (obj is StringObject s)
                    {
                        composed.Clear();
                        if (s.HasExpiry) composed.Add("SET"u8, s.Key, s.Value(server.Pool), "PXAT"u8, s.ExpireAt);
                        else composed.Add("SET"u8, s.Key, s.Value(server.Pool));
                    }
                    else CollectionRecords.Compose(obj, composed);
                    for (int i = 0; i < composed.Count; i++) output.Write(composed[i]);
                    keys++;
                }
            }
        }
        return keys;
    }

    /// <summary>
    /// A file's commands: an AOF as it is; an RDB (dump.rdb, a Redis 7 base file written with
    /// aof-use-rdb-preamble yes, or an AOF that starts with an RDB preamble) read as the
    /// commands that rebuild its data, followed by whatever AOF commands come after it.
    /// </summary>
    private static byte[] Commands(string file, byte[] bytes, bool verifyChecksum, ILogger logger)
    {
        if (!RdbValue.IsRdb(bytes)) return bytes;
        byte[] commands;
        int length;
        long keys;
        try { commands = RdbValue.RdbToCommands(bytes, RedisServer.NowMs(), verifyChecksum, out length, out keys); }
        catch (RdbValue.FormatException e) { throw new ConfigException($"--aof-import {file}: cannot read its RDB data: {e.Message}"); }
        logger.LogInformation("AOF import: {File} holds RDB data ({Keys} keys, {Bytes} bytes) and {Rest} bytes of commands after it", file, keys, length, bytes.Length - length);
        return [.. commands, .. bytes.AsSpan(length)];
    }

    /// <summary>The AOF files to load, in order: the file itself, or a Redis 7 manifest's base then increments.</summary>
    public static List<string> FilesToImport(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new ConfigException($"--aof-import {path}: no such file or directory");
        var manifest = Directory.GetFiles(path, "*.manifest").FirstOrDefault()
            ?? throw new ConfigException($"--aof-import {path}: a directory without a Redis 7 manifest (*.manifest)");
        var files = new List<(string File, char Type, long Seq)>();
        foreach (var line in File.ReadAllLines(manifest))
        {
            var words = ConfigLoader.SplitArgs(line);
            if (words == null || words.Count < 6) continue;
            var fields = new Dictionary<string, string>();
            for (int i = 0; i + 1 < words.Count; i += 2) fields[words[i]] = words[i + 1];
            if (!fields.TryGetValue("file", out var f) || !fields.TryGetValue("type", out var t)) continue;
            if (t == "h") continue; // history: superseded
            files.Add((Path.Combine(path, f), t[0], long.Parse(fields.GetValueOrDefault("seq", "0"))));
        }
        return files.Where(x => x.Type == 'b').Concat(files.Where(x => x.Type == 'i').OrderBy(x => x.Seq)).Select(x => x.File).ToList();
    }

    /// <summary>
    /// Imports Redis AOF files: first checks that every command is complete and known with
    /// the right arity (nothing is applied if one is not), then executes and logs them.
    /// </summary>
    public static long Import(RedisServer server, string path, ILogger logger)
    {
        var files = FilesToImport(path);
        bool verify = server.Config.RdbChecksum;
        var all = files.Select(f => Commands(f, File.ReadAllBytes(f), verify, logger)).ToList();
        var request = new RespRequest();
        long commands = 0;
        for (int f = 0; f < all.Count; f++)
        {
            var seq = new ReadOnlySequence<byte>(all[f]);
            while (!seq.IsEmpty)
            {
                var status = RespReader.TryParse(ref seq, request, RespLimits.Default, true, out var error);
                if (status == RespParseStatus.Incomplete) { if (seq.Length > 0) throw Bad(files[f], commands, "the file ends in the middle of a command"); break; }
                if (status == RespParseStatus.Error) throw Bad(files[f], commands, error!);
                if (!server.Commands.TryGet(request.Arg(0), out var cmd) || !cmd.ArityOk(request.Count))
                    throw Bad(files[f], commands, $"'{Encoding.UTF8.GetString(request.Arg(0))}' with {request.Count - 1} arguments is not supported by PasteRedis");
                commands++;
                request.Release();
            }
        }
        var session = ClientSession.ForImport(server);
        var errors = new List<string>();
        lock (server.ExecLock)
            foreach (var bytes in all) session.Apply(new ReadOnlySequence<byte>(bytes), errors.Add);
        if (errors.Count > 0)
            logger.LogWarning("AOF import: {Count} commands answered with errors, first: {First}", errors.Count, errors[0]);
        logger.LogInformation("AOF import from {Path}: {Commands} commands from {Files} file(s)", path, commands, files.Count);
        return commands;
    }

    private static ConfigException Bad(string file, long index, string why) =>
        new($"--aof-import {file}: command #{index + 1}: {why}; nothing was imported");
}
