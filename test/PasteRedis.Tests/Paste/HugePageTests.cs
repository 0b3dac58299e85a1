using PasteRedis.Paste;

namespace PasteRedis.Tests.Paste;

/// <summary>
/// The region advises 2 MB pages (as DAX NVMM maps them), and gets them where the file
/// system offers them: a tmpfs mounted huge=within_size (mounted here; root only), not a
/// stock /dev/shm. The server says which in INFO (pmem_huge_pages) and recovers from a
/// kill -9 on such a mount; with disable-thp yes only the advised mappings may be huge.
/// </summary>
[TestFixture]
[NonParallelizable]
public class HugePageTests
{
    private string? _mount;

    [OneTimeSetUp]
    public void MountHugeTmpfs()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pasteredis-huge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        if (Environment.UserName != "root" || !File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
        {
            Directory.Delete(dir);
            return;
        }
        var (code, output) = Tools.Run("/bin/mount", "-t", "tmpfs", "-o", "size=512m,huge=within_size", "tmpfs", dir);
        if (code != 0)
        {
            Directory.Delete(dir);
            TestContext.Progress.WriteLine($"mount of a huge tmpfs failed: {output}");
            return;
        }
        _mount = dir;
    }

    [OneTimeTearDown]
    public void Unmount()
    {
        if (_mount == null) return;
        Tools.Run("/bin/umount", _mount);
        Directory.Delete(_mount);
    }

    private string HugeMount()
    {
        if (_mount != null) return _mount;
        var message = "mounting a tmpfs with huge=within_size needs root and a kernel with transparent huge pages; this test did not run";
        if (Environment.GetEnvironmentVariable("PASTEREDIS_REQUIRE_TOOLS") == "1") Assert.Fail(message);
        Assert.Ignore(message);
        return "";
    }

    /// <summary>The smaps fields of the mapping of <paramref name="file"/> in process <paramref name="pid"/>.</summary>
    private static Dictionary<string, string> Mapping(int pid, string file)
    {
        var fields = new Dictionary<string, string>();
        bool inside = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            bool header = System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9a-f]+-[0-9a-f]+ ");
            if (header)
            {
                if (inside) break;
                inside = line.EndsWith(" " + file);
                continue;
            }
            if (!inside) continue;
            int colon = line.IndexOf(':');
            if (colon > 0) fields[line[..colon]] = line[(colon + 1)..].Trim();
        }
        return fields;
    }

    [Test]
    public void ARegionOnAHugeTmpfsIsMappedWith2MbPages()
    {
        var file = Path.Combine(HugeMount(), "region");
        using (var r = NvmmRegion.Open(file, 16 << 20, GranularityRequest.CacheLine, allowLibPmem2: true, out _))
        {
            Assert.That(r.HugePages, Is.True);
            for (long o = 0; o < r.Length; o += 4096) r.Span(o, 1)[0] = 1;
            var m = Mapping(Environment.ProcessId, file);
            Assert.That(m["VmFlags"].Split(' '), Does.Contain("hg"), "the mapping advises huge pages");
            Assert.That(m["ShmemPmdMapped"], Is.Not.EqualTo("0 kB"), "touched memory is mapped 2 MB at a time");
        }
        File.Delete(file);
    }

    [Test]
    public void ARegionOnATmpfsWithoutHugePagesSaysSo()
    {
        if (!Directory.Exists("/dev/shm") || new DriveInfo("/dev/shm").DriveFormat != "tmpfs")
            Assert.Ignore("/dev/shm is not tmpfs here; this test did not run");
        string shmem = File.Exists("/sys/kernel/mm/transparent_hugepage/shmem_enabled")
            ? File.ReadAllText("/sys/kernel/mm/transparent_hugepage/shmem_enabled") : "[never]";
        bool shmHuge = File.ReadLines("/proc/mounts").Any(l => l.Split(' ') is [_, "/dev/shm", "tmpfs", var o, ..] && o.Contains("huge="))
            || shmem.Contains("[force]");
        if (shmHuge) Assert.Ignore("/dev/shm offers huge pages on this machine; this test did not run");
        var file = Path.Combine("/dev/shm", "pasteredis-region-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var r = NvmmRegion.Open(file, 16 << 20, GranularityRequest.CacheLine, allowLibPmem2: true, out _);
            r.Span(0, 1)[0] = 1;
            Assert.That(r.HugePages, Is.False);
            Assert.That(Mapping(Environment.ProcessId, file)["THPeligible"], Is.EqualTo("0"));
        }
        finally { File.Delete(file); }
    }

    /// <summary>
    /// A server on a huge tmpfs: INFO says pmem_huge_pages:yes, its packet buffers are mapped
    /// 2 MB at a time although disable-thp is yes (the default; its other mappings are not
    /// eligible), and after kill -9 every acknowledged write is back.
    /// </summary>
    [Test]
    public void AServerOnAHugeTmpfsUsesThemAndRecoversFromAKill()
    {
        var dir = Path.Combine(HugeMount(), "data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        int port = ServerInstance.FreePort();
        string[] args = ["--dir", dir, "--pbuf-memory", "64mb", "--pmem-granularity", "cache-line"];
        var value = new string('v', 1000);
        using (var server = ServerProcess.Start(port, args))
        {
            Assert.That(server.HasExited, Is.False, server.Output);
            using var raw = new RawClient(port);
            Assert.That(raw.Call("INFO", "paste"), Does.Contain("pmem_huge_pages:yes"));
            for (int i = 0; i < 5000; i++) Assert.That(raw.Call("SET", "k" + i, value + i), Is.EqualTo("+OK"));
            var pbufs = Mapping(server.Pid, Path.Combine(dir, "pbufs.pmem"));
            Assert.That(pbufs["VmFlags"].Split(' '), Does.Contain("hg"));
            Assert.That(pbufs["ShmemPmdMapped"], Is.Not.EqualTo("0 kB"));
            var status = File.ReadAllLines($"/proc/{server.Pid}/status").FirstOrDefault(l => l.StartsWith("THP_enabled:"));
            if (status != null && status.EndsWith('1'))
            {
                // Disabled except where advised (Linux 6.18+): no mapping without the advice is eligible.
                var unadvised = ServerMappings(server.Pid).Where(m => !m.Flags.Contains("hg") && m.Eligible).Select(m => m.Header).ToList();
                Assert.That(unadvised, Is.Empty, "disable-thp yes: only the advised mappings may use huge pages");
            }
            server.Signal("KILL");
            Assert.That(server.WaitForExit(10_000), Is.True);
        }
        using (var again = ServerProcess.Start(port, args))
        {
            Assert.That(again.HasExited, Is.False, again.Output);
            using var raw = new RawClient(port);
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":5000"));
            for (int i = 0; i < 5000; i += 499) Assert.That(raw.Call("GET", "k" + i), Is.EqualTo("$" + value + i), $"k{i}");
        }
    }

    /// <summary>
    /// The managed heap, where the keyspace's objects live, advises 2 MB pages too (a restart
    /// that loads a million keys touches a few hundred MB of fresh heap; in a VM each 4 KB
    /// page's first touch costs microseconds): after 300 K keys, the anonymous mappings that
    /// advise them hold tens of MB, and (where the kernel lets advised mappings have them)
    /// some of it is mapped 2 MB at a time. Needs no huge mount: any data dir.
    /// </summary>
    [Test]
    public void TheManagedHeapAdvisesThemToo()
    {
        if (!File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
            Assert.Ignore("this kernel has no transparent huge pages; this test did not run");
        var dir = Path.Combine(Path.GetTempPath(), "pasteredis-heap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            int port = ServerInstance.FreePort();
            using var server = ServerProcess.Start(port, ["--dir", dir, "--appendonly", "no", "--pbuf-memory", "64mb"]);
            Assert.That(server.HasExited, Is.False, server.Output);
            using var raw = new RawClient(port);
            for (int batch = 0; batch < 300; batch++)
            {
                var frames = new MemoryStream();
                for (int i = 0; i < 1000; i++) frames.Write(RawClient.Command("SET", $"key:{batch * 1000 + i}", "value"));
                raw.Send(frames.ToArray());
                for (int i = 0; i < 1000; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            }
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":300000"));
            var advised = raw.Call("INFO", "memory").Split("\r\n").Single(l => l.StartsWith("mem_heap_huge_pages_advised:"));
            // The range is the collector's reservation (GCRegionRange: twice the memory, or less under a container limit).
            Assert.That(long.Parse(advised.Split(':')[1]), Is.GreaterThan(64L << 20), "the heap's reserved range is advised");
            long rss = 0, huge = 0;
            foreach (var m in AnonymousMappings(server.Pid).Where(m => m.Flags.Contains("hg")))
            {
                rss += m.RssKb;
                huge += m.AnonHugeKb;
            }
            Assert.That(rss, Is.GreaterThan(30 << 10), "300 K keys' objects lie in mappings that advise huge pages (kB)");
            var status = File.ReadAllLines($"/proc/{server.Pid}/status").FirstOrDefault(l => l.StartsWith("THP_enabled:"));
            bool never = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]");
            if (status != null && status.EndsWith('1') && !never)
                Assert.That(huge, Is.GreaterThan(0), "advised heap memory is mapped 2 MB at a time (kB of AnonHugePages)");
            else TestContext.Progress.WriteLine($"huge pages are off for advised mappings here ({status}); only the advice was checked");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static IEnumerable<(string[] Flags, long RssKb, long AnonHugeKb)> AnonymousMappings(int pid)
    {
        bool anonymous = false;
        long rss = 0, huge = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9a-f]+-[0-9a-f]+ "))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                anonymous = parts.Length == 5 && parts[4] == "0";
                rss = huge = 0;
            }
            else if (line.StartsWith("Rss:")) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            else if (line.StartsWith("AnonHugePages:")) huge = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            else if (line.StartsWith("VmFlags:") && anonymous) yield return (line["VmFlags:".Length..].Trim().Split(' '), rss, huge);
        }
    }

    private static IEnumerable<(string Header, string[] Flags, bool Eligible)> ServerMappings(int pid)
    {
        string? header = null;
        bool eligible = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9a-f]+-[0-9a-f]+ ")) { header = line; eligible = false; }
            else if (line.StartsWith("THPeligible:")) eligible = line.EndsWith('1');
            else if (line.StartsWith("VmFlags:") && header != null) yield return (header, line["VmFlags:".Length..].Trim().Split(' '), eligible);
        }
    }
}
