using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Infrastructure;

public static class Compaction
{
    /// <summary>BGREWRITEAOF, then waits until INFO persistence says the rewrite is done.</summary>
    public static void Run(RawClient raw)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (raw.Call("BGREWRITEAOF") != "+Background append only file rewriting started")
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "could not start a rewrite");
            Thread.Sleep(20);
        }
        while (InProgress(raw))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "rewrite did not finish");
            Thread.Sleep(20);
        }
        Assert.That(raw.Call("INFO", "persistence"), Does.Contain("aof_last_bgrewrite_status:ok"));
    }

    public static bool InProgress(RawClient raw) =>
        Regex.IsMatch(raw.Call("INFO", "persistence"), @"aof_rewrite_in_progress:1");
}
