using System.Buffers;
using PasteRedis.Fuzz;
using PasteRedis.Resp;
using PasteRedis.Tests.Unit;

namespace PasteRedis.Tests.Protocol;

/// <summary>
/// Every input the fuzzer kept (test/fuzz/corpus) and every crash it ever found
/// (test/fuzz/crashes) goes through the fuzz target again: none may throw.
/// scripts/fuzz.sh grows both; a crash stays here as a regression test once fixed.
/// </summary>
[TestFixture]
public class FuzzRegressionTests
{
    private static string FuzzDir(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PasteRedis.sln"))) return Path.Combine(dir.FullName, "test", "fuzz", name);
        throw new DirectoryNotFoundException("test/fuzz (no PasteRedis.sln above the test binaries)");
    }

    [Test]
    public void TheSeedInputsReallyExecuteCommands()
    {
        foreach (var seed in new[] { "set-get", "inline", "multi", "zset" })
            Assert.That(FuzzTarget.Run(File.ReadAllBytes(Path.Combine(FuzzDir("corpus"), seed))), Is.GreaterThan(1), seed);
    }

    /// <summary>
    /// The reader has a span path for a buffer that is one segment and a SequenceReader path
    /// for the rest: every corpus input, parsed frame after frame both ways (whole, and in
    /// one-byte segments), with and without authentication and under a small bulk limit,
    /// must give the same statuses, errors, arguments and consumed bytes.
    /// </summary>
    [Test]
    public void TheSingleSegmentAndTheSegmentedReaderAgreeOnEveryCorpusInput()
    {
        var files = Directory.GetFiles(FuzzDir("corpus")).Concat(Directory.Exists(FuzzDir("crashes")) ? Directory.GetFiles(FuzzDir("crashes")) : []);
        int frames = 0;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0) continue;
            foreach (var limits in new[] { RespLimits.Default, new RespLimits(16) })
                foreach (bool authenticated in new[] { true, false })
                {
                    var whole = Frames(new ReadOnlySequence<byte>(bytes), limits, authenticated);
                    var pieces = Frames(RespReaderTests.Fragmented(bytes), limits, authenticated);
                    Assert.That(whole, Is.EqualTo(pieces), $"{Path.GetFileName(file)} (limit {limits.ProtoMaxBulkLen}, auth {authenticated})");
                    frames += whole.Count;
                }
        }
        Assert.That(frames, Is.GreaterThan(1000));
    }

    private static List<string> Frames(ReadOnlySequence<byte> buffer, RespLimits limits, bool authenticated)
    {
        var request = new RespRequest();
        var frames = new List<string>();
        long total = buffer.Length;
        while (true)
        {
            var status = RespReader.TryParse(ref buffer, request, limits, authenticated, out var error);
            var args = Enumerable.Range(0, status == RespParseStatus.Complete ? request.Count : 0)
                .Select(i => Convert.ToHexString(request.Arg(i)));
            frames.Add($"{status} {error} inline={request.IsInline} consumed={total - buffer.Length} [{string.Join(' ', args)}]");
            request.Release();
            if (status != RespParseStatus.Complete) return frames;
        }
    }

    [Test]
    public void EveryCorpusInputAndEveryPastCrashRunsCleanly()
    {
        var files = Directory.GetFiles(FuzzDir("corpus")).Concat(Directory.Exists(FuzzDir("crashes")) ? Directory.GetFiles(FuzzDir("crashes")) : []).ToList();
        Assert.That(files, Has.Count.GreaterThan(4));
        foreach (var file in files)
        {
            try { FuzzTarget.Run(File.ReadAllBytes(file)); }
            catch (Exception e) { Assert.Fail($"{Path.GetFileName(file)}: {e}"); }
        }
    }
}
