using System.Globalization;
using System.Text;

namespace PasteRedis.Server.Replication;

/// <summary>
/// The replication position kept across a clean restart, as Redis keeps it in its RDB
/// file: a master's replication ID and offset (its replicas then continue with +CONTINUE
/// instead of a full resynchronization), or a replica's master ID, offset and the stream's
/// selected database (it then asks its master to continue). Written at a clean shutdown,
/// after the log is drained (so the data is exactly that offset's); taken (read and
/// deleted) at the next start, so a crash after it can never reuse it; ignored when the
/// role changed or --aof-import rewrote the data.
/// </summary>
internal static class ReplicationResume
{
    private const string FileName = "replication-state";

    /// <summary><paramref name="Role"/>: "master", or "replica host port".</summary>
    public sealed record State(string Role, string ReplId, long Offset, int Db);

    public static void Save(string dir, State state) =>
        Paste.DurableFiles.WriteDurably(Path.Combine(dir, FileName),
            Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{state.Role}\n{state.ReplId} {state.Offset} {state.Db}\n")),
            $"temp-{Environment.ProcessId}-{FileName}");

    /// <summary>The state the last clean shutdown left, removed now; null when there is none (or it cannot be read).</summary>
    public static State? Take(string dir)
    {
        var path = Path.Combine(dir, FileName);
        string[] lines;
        try
        {
            if (!File.Exists(path)) return null;
            lines = File.ReadAllLines(path);
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        if (lines.Length < 2 || lines[1].Split(' ') is not [var id, var offsetText, var dbText] || id.Length != 40
            || !long.TryParse(offsetText, CultureInfo.InvariantCulture, out long offset)
            || !int.TryParse(dbText, CultureInfo.InvariantCulture, out int db))
            return null;
        return new State(lines[0], id, offset, db);
    }
}
