using PasteRedis.Paste.Native;

namespace PasteRedis.Paste;

/// <summary>File-level steps of a crash-atomic switch: rename, then make the rename durable.</summary>
public static class DurableFiles
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="tempName"/> beside
    /// <paramref name="path"/>, syncs it, and renames it over <paramref name="path"/> durably:
    /// a crash leaves the old file or the whole new one. The temporary file goes on failure.
    /// With <paramref name="syncEvery"/> the file is synced after each such step as it is
    /// written (Redis's rdb-save-incremental-fsync: no burst of dirty pages at the end).
    /// </summary>
    public static void WriteDurably(string path, ReadOnlySpan<byte> content, string tempName, int syncEvery = 0)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", tempName);
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                int step = syncEvery > 0 ? syncEvery : Math.Max(1, content.Length);
                for (int at = 0; at < content.Length; at += step)
                {
                    f.Write(content.Slice(at, Math.Min(step, content.Length - at)));
                    if (at + step < content.Length) f.Flush(flushToDisk: true);
                }
                f.Flush(flushToDisk: true);
            }
            ReplaceDurably(temp, path);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Renames <paramref name="from"/> over <paramref name="to"/> (atomic on POSIX) and
    /// fsyncs the directory, so that after it returns a crash finds the new file.
    /// </summary>
    public static void ReplaceDurably(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        var dir = Path.GetDirectoryName(Path.GetFullPath(to))!;
        int fd = Libc.open(dir, Libc.ORdOnly | Libc.ODirectory);
        if (fd < 0) throw new IOException($"cannot open directory {dir} to sync the rename");
        try
        {
            if (Libc.fsync(fd) != 0) throw new IOException($"fsync of directory {dir} failed");
        }
        finally { Libc.close(fd); }
    }
}
