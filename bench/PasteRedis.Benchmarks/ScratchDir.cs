namespace PasteRedis.Benchmarks;

/// <summary>
/// A fresh data directory for one benchmark process: on /dev/shm (emulated NVMM) when the
/// machine has it, else under the temp directory. The temp directory only lends its unique
/// name and is removed at once, so nothing is left behind when the benchmark cleans up.
/// </summary>
internal static class ScratchDir
{
    public static string Create(string prefix)
    {
        var temp = Directory.CreateTempSubdirectory(prefix).FullName;
        if (!Directory.Exists("/dev/shm")) return temp;
        Directory.Delete(temp);
        return Directory.CreateDirectory(Path.Combine("/dev/shm", Path.GetFileName(temp))).FullName;
    }
}
