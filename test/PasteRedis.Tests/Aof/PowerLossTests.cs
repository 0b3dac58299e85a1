using PasteRedis.Paste;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// Simulated power loss. A recorder watches both mapped files: a cache line counts as
/// durable only when it was flushed and a fence followed, and it is durable with the
/// content it had at that fence. The image a power cut leaves is the durable content of
/// every line; lines that were never flushed and fenced are reverted (or scrambled).
/// Recovery from that image must keep every acknowledged write.
/// </summary>
[TestFixture]
public class PowerLossTests
{
    /// <summary>What NVMM would hold after a power cut, line by line, for one file.</summary>
    private sealed class DurableImage
    {
        private readonly NvmmRegion _region;
        public readonly byte[] Durable;
        public readonly HashSet<long> PendingLines = [];
        public readonly HashSet<long> EverFenced = [];

        public DurableImage(NvmmRegion region)
        {
            _region = region;
            Durable = region.Span(0, (int)region.Length).ToArray(); // what is on the file now is durable
        }

        public void Flushed(long offset, long length)
        {
            for (long line = offset & ~63L; line < offset + length; line += 64) PendingLines.Add(line);
        }

        /// <summary>The fence: every flushed line is durable with its content as of now.</summary>
        public void Fence()
        {
            foreach (var line in PendingLines)
            {
                int n = (int)Math.Min(64, _region.Length - line);
                _region.Span(line, n).CopyTo(Durable.AsSpan((int)line, n));
                EverFenced.Add(line);
            }
            PendingLines.Clear();
        }
    }

    private sealed class Recorder : IPersistenceObserver
    {
        public readonly Dictionary<NvmmRegion, DurableImage> Images = [];

        /// <summary>When set, the next flush of the log stalls this long (a slow NVMM write).</summary>
        public int StallNextLogFlushMs;
        public NvmmRegion? Log;
        private readonly NvmmRegion _region;
        private readonly Recorder? _shared;

        public Recorder() { _region = null!; }
        private Recorder(Recorder shared, NvmmRegion region) { _shared = shared; _region = region; }

        public void Attach(NvmmRegion region)
        {
            Images[region] = new DurableImage(region);
            region.Observer = new Recorder(this, region);
        }

        public void Flushed(long offset, long length)
        {
            lock (_shared!.Images) _shared.Images[_region].Flushed(offset, length);
            if (_region == _shared.Log && Interlocked.Exchange(ref _shared.StallNextLogFlushMs, 0) is var ms && ms > 0)
                Thread.Sleep(ms);
        }

        // One fence orders every flush before it, whichever file it was for.
        public void Drained()
        {
            lock (_shared!.Images)
                foreach (var image in _shared.Images.Values) image.Fence();
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AcknowledgedWritesSurviveAPowerCut(bool scrambleUnflushed)
    {
        const string pbufMemory = "8mb", logSize = "4mb";
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", pbufMemory, "--aof-max-size", logSize,
            "--pmem-granularity", "cache-line");
        var recorder = new Recorder();
        var internals = server.Server;
        NvmmRegion pbufs, log;
        lock (internals.ExecLock)
        {
            pbufs = internals.Memory!.Region;
            log = internals.Aof!.Log.Region;
            recorder.Attach(pbufs);
            recorder.Attach(log);
        }
        var acknowledged = new Dictionary<string, string>();
        using (var raw = server.Raw())
        {
            var rnd = new Random(42);
            for (int i = 0; i < 400; i++)
            {
                var key = "p" + rnd.Next(150);
                var value = $"{key}-{i}-" + new string((char)('a' + i % 26), rnd.Next(1, 3000));
                if (raw.Call("SET", key, value) == "+OK") acknowledged[key] = value;
                if (i % 50 == 0) Assert.That(raw.Call("INCR", "counter"), Does.StartWith(":"));
            }
            acknowledged["counter"] = raw.Call("GET", "counter")[1..];
            // Bytes that arrive but are never executed (a half frame) are never flushed: the cut may lose them.
            raw.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nonly part");
            Thread.Sleep(50);
        }
        byte[] pbufImage, logImage;
        lock (internals.ExecLock)
        {
            pbufs.Observer = null;
            log.Observer = null;
            pbufImage = Cut(recorder.Images[pbufs], pbufs, scrambleUnflushed);
            logImage = Cut(recorder.Images[log], log, scrambleUnflushed);
        }
        Assert.That(recorder.Images[log].EverFenced, Is.Not.Empty, "the write path flushed and fenced");

        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "pbufs.pmem"), pbufImage);
        File.WriteAllBytes(Path.Combine(dir, "aof.pmem"), logImage);
        await using var recovered = await ServerInstance.StartOnAsync(dir, "--pbuf-memory", pbufMemory, "--aof-max-size", logSize);
        using var check = recovered.Raw();
        foreach (var (key, value) in acknowledged)
            Assert.That(check.Call("GET", key), Is.EqualTo("$" + value), $"acknowledged {key}");
        Assert.That(check.Call("EXISTS", "half"), Is.EqualTo(":0"));
    }

    [Test]
    public async Task NoReplyOnAnyConnectionRevealsAWriteBeforeItIsDurable()
    {
        const string pbufMemory = "8mb", logSize = "4mb";
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", pbufMemory, "--aof-max-size", logSize,
            "--pmem-granularity", "cache-line");
        var recorder = new Recorder();
        var internals = server.Server;
        NvmmRegion pbufs, log;
        lock (internals.ExecLock)
        {
            pbufs = internals.Memory!.Region;
            log = internals.Aof!.Log.Region;
            recorder.Attach(pbufs);
            recorder.Attach(log);
            recorder.Log = log;
        }
        using var writer = server.Raw();
        using var reader = server.Raw();
        Assert.That(reader.Call("GET", "visible"), Is.EqualTo("$nil"));
        // The writer's record takes 300 ms to flush; the reader polls meanwhile.
        recorder.StallNextLogFlushMs = 300;
        writer.Send(RawClient.Command("SET", "visible", "only-when-durable"));
        byte[] pbufImage, logImage;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (reader.Call("GET", "visible") == "$only-when-durable")
            {
                // The moment another connection sees the write: cut the power.
                lock (recorder.Images)
                {
                    pbufImage = (byte[])recorder.Images[pbufs].Durable.Clone();
                    logImage = (byte[])recorder.Images[log].Durable.Clone();
                }
                break;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline));
        }
        Assert.That(writer.ReadReply(), Is.EqualTo("+OK"));
        lock (internals.ExecLock)
        {
            pbufs.Observer = null;
            log.Observer = null;
        }
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "pbufs.pmem"), pbufImage);
        File.WriteAllBytes(Path.Combine(dir, "aof.pmem"), logImage);
        await using var recovered = await ServerInstance.StartOnAsync(dir, "--pbuf-memory", pbufMemory, "--aof-max-size", logSize);
        using var check = recovered.Raw();
        Assert.That(check.Call("GET", "visible"), Is.EqualTo("$only-when-durable"),
            "a reply on another connection showed the write, so the write must survive a power cut from then on");
    }

    /// <summary>The power-cut image: durable lines as fenced; every other line as it was, or noise.</summary>
    private static byte[] Cut(DurableImage image, NvmmRegion region, bool scramble)
    {
        var result = (byte[])image.Durable.Clone();
        if (!scramble) return result;
        var current = region.Span(0, (int)region.Length);
        var rnd = new Random(7);
        for (int line = 0; line < result.Length; line += 64)
        {
            int n = Math.Min(64, result.Length - line);
            // A line that changed since its last fence never made it: scramble it.
            if (!current.Slice(line, n).SequenceEqual(result.AsSpan(line, n))) rnd.NextBytes(result.AsSpan(line, n));
        }
        return result;
    }
}
