namespace PasteRedis.Tests.Protocol;

/// <summary>The real redis-cli and redis-benchmark against a real server.</summary>
[TestFixture]
public class RedisToolsTests : ServerFixture
{

    [Test]
    public void RedisCliRoundTrip()
    {
        var cli = Tools.Require("redis-cli", "redis-tools");
        string p = Server.Port.ToString();
        Assert.That(Tools.Run(cli, "-p", p, "SET", "cli:k", "hello world").Output.Trim(), Is.EqualTo("OK"));
        Assert.That(Tools.Run(cli, "-p", p, "GET", "cli:k").Output.Trim(), Is.EqualTo("hello world"));
        Assert.That(Tools.Run(cli, "-p", p, "--no-raw", "STRLEN", "cli:k").Output.Trim(), Is.EqualTo("(integer) 11"));
        Assert.That(Tools.Run(cli, "-p", p, "--no-raw", "GET", "cli:none").Output.Trim(), Is.EqualTo("(nil)"));
        Assert.That(Tools.Run(cli, "-p", p, "BOGUS").Output.Trim(), Is.EqualTo("ERR unknown command 'BOGUS', with args beginning with:"));
    }

    [Test]
    public void RedisBenchmarkRunsCleanPipelined()
    {
        var bench = Tools.Require("redis-benchmark", "redis-tools");
        var (code, output) = Tools.Run(bench, "-p", Server.Port.ToString(), "-t", "set,get,incr,mset", "-n", "20000", "-c", "20", "-P", "16", "-q");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Not.Contain("ERR").And.Not.Contain("rror"));
        foreach (var t in new[] { "SET", "GET", "INCR", "MSET (10 keys)" })
            Assert.That(output, Does.Match($@"{System.Text.RegularExpressions.Regex.Escape(t)}: [0-9.]+ requests per second"));
    }
}
