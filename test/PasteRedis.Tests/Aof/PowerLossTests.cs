using PasteRedis.Paste;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// Simulated power loss. A recorder watches both mapped files: a cache line counts as
/// durable only when it was flushed and a fence followed, and it is durable with the
/// content it had at that fence. The image a power cut leaves is the durable content of
/// every line; bytes stored since their line's last fence are reverted (or scrambled, byte by byte).
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

    /// <summary>
    /// Watches both files of a running server. One fence orders every flush before it,
    /// whichever file it was for, so one recorder serves both through small adapters.
    /// </summary>
    private sealed class Recorder
    {
        private readonly Dictionary<NvmmRegion, DurableImage> _images = [];
        private readonly PasteRedis.Server.RedisServer _server;
        public readonly NvmmRegion Pbufs;
        public NvmmRegion Log { get; private set; }

        /// <summary>When set, the next flush of the log stalls this long (a slow NVMM write).</summary>
        public int StallNextLogFlushMs;

        private Recorder(ServerInstance server)
        {
            _server = server.Server;
            lock (_server.ExecLock)
            {
                Pbufs = _server.Memory!.Region;
                Log = _server.Aof!.Log.Region;
                foreach (var region in new[] { Pbufs, Log })
                {
                    _images[region] = new DurableImage(region);
                    region.Observer = new Adapter(this, region);
                }
            }
        }

        public static Recorder On(ServerInstance server) => new(server);

        /// <summary>
        /// After a compaction switched logs: watch the new one (made durable before the switch,
        /// so its content now counts as durable); the packet buffers stay watched throughout.
        /// </summary>
        public void FollowLog()
        {
            lock (_server.ExecLock)
            {
                Log.Observer = null;
                Log = _server.Aof!.Log.Region;
                lock (_images)
                {
                    _images[Log] = new DurableImage(Log);
                    // The switch came after the new log's commit, a fence this recorder could
                    // not see (the new log was not watched yet): what was flushed before it is
                    // durable. What was never flushed still is not.
                    _images[Pbufs].Fence();
                }
                Log.Observer = new Adapter(this, Log);
            }
        }

        public DurableImage this[NvmmRegion region] => _images[region];

        /// <summary>The power-cut image of both files now: durable lines as fenced, the rest reverted or scrambled.</summary>
        public (byte[] Pbufs, byte[] Log) Cut(bool scramble)
        {
            lock (_images) return (PowerLossTests.Cut(_images[Pbufs], Pbufs, scramble), PowerLossTests.Cut(_images[Log], Log, scramble));
        }

        public void Detach()
        {
            lock (_server.ExecLock)
            {
                Pbufs.Observer = null;
                Log.Observer = null;
            }
        }

        private sealed class Adapter(Recorder recorder, NvmmRegion region) : IPersistenceObserver
        {
            public void Flushed(long offset, long length)
            {
                lock (recorder._images) recorder._images[region].Flushed(offset, length);
                if (region == recorder.Log && Interlocked.Exchange(ref recorder.StallNextLogFlushMs, 0) is var ms && ms > 0)
                    Thread.Sleep(ms);
            }

            public void Drained()
            {
                lock (recorder._images)
                    foreach (var image in recorder._images.Values) image.Fence();
            }
        }
    }

    /// <summary>SET of one of <paramref name="keys"/> keys to a value of random length naming its write; remembered when acknowledged.</summary>
    private static void SetRandom(RawClient raw, Dictionary<string, string> acknowledged, Random rnd, string prefix, int keys, int i, int maxLength)
    {
        var key = prefix + rnd.Next(keys);
        var value = $"{key}-{i}-" + new string((char)('a' + i % 26), rnd.Next(1, maxLength));
        if (raw.Call("SET", key, value) == "+OK") acknowledged[key] = value;
    }

    private static readonly string[] Sizes = ["--pbuf-memory", "8mb", "--aof-max-size", "4mb"];

    private static Task<ServerInstance> StartEmulatedNvmm() => ServerInstance.StartAsync([.. Sizes, "--pmem-granularity", "cache-line"]);

    /// <summary>A new server on a data dir holding exactly the power-cut image.</summary>
    private static Task<ServerInstance> RecoverFrom((byte[] Pbufs, byte[] Log) image)
    {
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "pbufs.pmem"), image.Pbufs);
        File.WriteAllBytes(Path.Combine(dir, "aof.pmem"), image.Log);
        return ServerInstance.StartOnAsync(dir, Sizes);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AcknowledgedWritesSurviveAPowerCut(bool scrambleUnflushed)
    {
        await using var server = await StartEmulatedNvmm();
        var recorder = Recorder.On(server);
        var acknowledged = new Dictionary<string, string>();
        using (var raw = server.Raw())
        {
            var rnd = new Random(42);
            for (int i = 0; i < 400; i++)
            {
                SetRandom(raw, acknowledged, rnd, "p", 150, i, 3000);
                if (i % 50 == 0) Assert.That(raw.Call("INCR", "counter"), Does.StartWith(":"));
            }
            acknowledged["counter"] = raw.Call("GET", "counter")[1..];
            // Bytes that arrive but are never executed (a half frame) are never flushed: the cut may lose them.
            raw.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nonly part");
            Thread.Sleep(50);
        }
        var image = recorder.Cut(scrambleUnflushed);
        recorder.Detach();
        Assert.That(recorder[recorder.Log].EverFenced, Is.Not.Empty, "the write path flushed and fenced");

        await using var recovered = await RecoverFrom(image);
        using var check = recovered.Raw();
        foreach (var (key, value) in acknowledged)
            Assert.That(check.Call("GET", key), Is.EqualTo("$" + value), $"acknowledged {key}");
        Assert.That(check.Call("EXISTS", "half"), Is.EqualTo(":0"));
    }

    /// <summary>
    /// A compaction's records reference values where they were received without flushing
    /// them again (the records that logged them did). Overwrites leave sparse buffers, so the
    /// compactions also relocate values into fresh buffers, which must be flushed. In copy
    /// mode the received bytes were never flushed (their copies were), so there they are.
    /// </summary>
    [TestCase("reference")]
    [TestCase("copy")]
    public async Task AcknowledgedWritesSurviveAPowerCutAfterCompactions(string mode)
    {
        await using var server = await ServerInstance.StartAsync([.. Sizes, "--pmem-granularity", "cache-line", "--aof-mode", mode, "--auto-aof-rewrite-percentage", "0"]);
        var recorder = Recorder.On(server);
        var acknowledged = new Dictionary<string, string>();
        long relocated;
        using (var raw = server.Raw())
        {
            var rnd = new Random(7);
            for (int i = 0; i < 600; i++)
            {
                SetRandom(raw, acknowledged, rnd, "c", 120, i, 1500);
                if (i % 200 == 199) // the last one just before the cut
                {
                    Compaction.Run(raw);
                    recorder.FollowLog();
                }
            }
            relocated = long.Parse(System.Text.RegularExpressions.Regex.Match(raw.Call("INFO", "persistence"), @"aof_rewrite_relocated_bytes:(\d+)").Groups[1].Value);
        }
        var image = recorder.Cut(scramble: true);
        recorder.Detach();
        Assert.That(relocated, Is.GreaterThan(0), "the compactions moved values out of sparse buffers");

        await using var recovered = await RecoverFrom(image);
        using var check = recovered.Raw();
        var loaded = check.Call("INFO", "persistence");
        foreach (var (key, value) in acknowledged)
            Assert.That(check.Call("GET", key), Is.EqualTo("$" + value), $"acknowledged {key}; {loaded}");
    }

    [Test]
    public async Task NoReplyOnAnyConnectionRevealsAWriteBeforeItIsDurable()
    {
        await using var server = await StartEmulatedNvmm();
        var recorder = Recorder.On(server);
        using var writer = server.Raw();
        using var reader = server.Raw();
        Assert.That(reader.Call("GET", "visible"), Is.EqualTo("$nil"));
        // The writer's record takes 300 ms to flush; the reader polls meanwhile.
        recorder.StallNextLogFlushMs = 300;
        writer.Send(RawClient.Command("SET", "visible", "only-when-durable"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (reader.Call("GET", "visible") != "$only-when-durable")
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline));
        // The moment another connection sees the write: cut the power.
        var image = recorder.Cut(scramble: false);
        Assert.That(writer.ReadReply(), Is.EqualTo("+OK"));
        recorder.Detach();

        await using var recovered = await RecoverFrom(image);
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
        // A store not yet flushed and fenced may be lost or torn (PMDK's model: atomic in 8
        // bytes at most), but a byte nobody stored to keeps its durable content: a line
        // written back early holds its current bytes, and those are unchanged there. So
        // every byte that changed since its line's last fence is scrambled, and only those:
        // received bytes may share a line, even a word, with a frame that is durable already
        // (a read that ended mid-line, continued by the next).
        var noise = new byte[1];
        for (int i = 0; i < result.Length; i++)
        {
            if (current[i] == result[i]) continue;
            rnd.NextBytes(noise);
            result[i] = noise[0];
        }
        return result;
    }
}
