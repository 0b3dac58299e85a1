using PasteRedis.Paste;

namespace PasteRedis.Tests.Paste;

/// <summary>The region against the real libpmem2 (and the msync fallback) on this machine's file systems.</summary>
[TestFixture]
[NonParallelizable] // PMEM2_FORCE_GRANULARITY is process-wide
public class NvmmRegionTests
{
    private readonly List<string> _files = [];

    private string ShmFile() => Track(Path.Combine("/dev/shm", "pasteredis-region-" + Guid.NewGuid().ToString("N")));
    private string DiskFile() => Track(Path.Combine(Path.GetTempPath(), "pasteredis-region-" + Guid.NewGuid().ToString("N")));
    private string Track(string f) { _files.Add(f); return f; }

    [TearDown]
    public void Clean()
    {
        foreach (var f in _files) File.Delete(f);
        _files.Clear();
    }

    private static void RequireLibPmem2()
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libpmem2.so.1", out _)) return;
        var message = "libpmem2 is not installed (apt-get install -y libpmem2); this test did not run";
        if (Environment.GetEnvironmentVariable("PASTEREDIS_REQUIRE_TOOLS") == "1") Assert.Fail(message);
        Assert.Ignore(message);
    }

    private static void RequireTmpfsShm()
    {
        if (!Directory.Exists("/dev/shm") || new DriveInfo("/dev/shm").DriveFormat != "tmpfs")
            Assert.Ignore("/dev/shm is not tmpfs here; this test did not run");
    }

    [Test]
    public void ShmWithoutForcingIsPageGranularity()
    {
        RequireLibPmem2();
        RequireTmpfsShm();
        using var r = NvmmRegion.Open(ShmFile(), 4 << 20, GranularityRequest.Auto, allowLibPmem2: true, out var why);
        Assert.That(why, Is.Null);
        Assert.That(r.UsesLibPmem2, Is.True);
        Assert.That(r.Granularity, Is.EqualTo(StoreGranularity.Page), "tmpfs is not DAX: libpmem2 falls back to msync");
        Assert.That(r.Describe(), Does.Contain("not a power cut"));
    }

    [Test]
    public void ShmWithForcedCacheLineIsCacheLineGranularity()
    {
        RequireLibPmem2();
        RequireTmpfsShm();
        using (var r = NvmmRegion.Open(ShmFile(), 4 << 20, GranularityRequest.CacheLine, true, out _))
        {
            Assert.That(r.Granularity, Is.EqualTo(StoreGranularity.CacheLine));
            Assert.That(r.Describe(), Does.Contain("cache-line flushes").And.Contain("not a power cut"));
        }
        using var after = NvmmRegion.Open(ShmFile(), 4 << 20, GranularityRequest.Auto, true, out _);
        Assert.That(after.Granularity, Is.EqualTo(StoreGranularity.Page), "auto after a forced region must not inherit the forcing");
    }

    [Test]
    public void OrdinaryDiskFileIsPageGranularityAndSurvivesPowerCut()
    {
        RequireLibPmem2();
        using var r = NvmmRegion.Open(DiskFile(), 4 << 20, GranularityRequest.Auto, true, out _);
        Assume.That(r.IsVolatileFileSystem, Is.False, "temp dir is on tmpfs here");
        Assert.That(r.Granularity, Is.EqualTo(StoreGranularity.Page));
        Assert.That(r.Describe(), Does.Contain("msync").And.Contain("and a power cut"));
    }

    [Test]
    public void ForcedCacheLineOnDiskDoesNotClaimPowerCutSafety()
    {
        RequireLibPmem2();
        using var r = NvmmRegion.Open(DiskFile(), 4 << 20, GranularityRequest.CacheLine, true, out _);
        Assume.That(r.IsVolatileFileSystem, Is.False);
        Assert.That(r.Granularity, Is.EqualTo(StoreGranularity.CacheLine));
        Assert.That(r.Describe(), Does.Contain("NOT a power cut"));
    }

    [Test]
    public void MsyncFallbackWhenLibPmem2IsDisabled()
    {
        var path = DiskFile();
        using (var r = NvmmRegion.Open(path, 4 << 20, GranularityRequest.Auto, allowLibPmem2: false, out var why))
        {
            Assert.That(r.UsesLibPmem2, Is.False);
            Assert.That(why, Does.Contain("disabled"));
            Assert.That(r.Granularity, Is.EqualTo(StoreGranularity.Page));
            Assert.That(r.Describe(), Does.Contain("libc mmap fallback"));
            "persisted through msync"u8.CopyTo(r.Span(8192, 23));
            r.Persist(8192, 23);
            Assert.That(r.Fences, Is.EqualTo(1));
        }
        var bytes = File.ReadAllBytes(path);
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 8192, 23), Is.EqualTo("persisted through msync"));
    }

    private sealed class Recorder : IPersistenceObserver
    {
        public readonly List<(long, long)> Flushes = [];
        public int Drains;
        public void Flushed(long offset, long length) => Flushes.Add((offset, length));
        public void Drained() => Drains++;
    }

    [TestCase(GranularityRequest.CacheLine)]
    [TestCase(GranularityRequest.Auto)]
    public void PersistFlushesExactlyTheRangeThenFences(GranularityRequest request)
    {
        RequireLibPmem2();
        using var r = NvmmRegion.Open(ShmFile(), 4 << 20, request, true, out _);
        var rec = new Recorder();
        r.Observer = rec;
        r.Span(100, 1000).Fill(7);
        r.Flush(100, 1000);
        r.Flush(5000, 64);
        Assert.That(rec.Drains, Is.EqualTo(0));
        r.Drain();
        Assert.That(rec.Flushes, Is.EqualTo(new[] { (100L, 1000L), (5000L, 64L) }));
        Assert.That(rec.Drains, Is.EqualTo(1));
        Assert.That(r.FlushedBytes, Is.EqualTo(1064));
        Assert.That(r.FlushCalls, Is.EqualTo(2));
    }

    [Test]
    public void SecondOpenOfTheSameFileIsRefused()
    {
        var path = DiskFile();
        using var first = NvmmRegion.Open(path, 1 << 20, GranularityRequest.Auto, false, out _);
        Assert.Throws<IOException>(() => NvmmRegion.Open(path, 1 << 20, GranularityRequest.Auto, false, out _));
    }
}
