using PasteRedis.Fuzz;

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
