using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Aof;

/// <summary>An EXEC, and a script, is one unit in the log: recovery applies it whole or not at all.</summary>
[TestFixture]
[Category("Crash")]
public class TransactionLogTests
{
    private static long LogSize(RawClient raw) =>
        long.Parse(Regex.Match(raw.Call("INFO", "persistence"), @"aof_current_size:(\d+)").Groups[1].Value);

    /// <summary>The same three writes as one transaction, or as one script (its effects form one group too).</summary>
    private static void Unit(RawClient raw, string tag, string kind)
    {
        if (kind == "EVAL")
        {
            Assert.That(raw.Call("EVAL", "redis.call('set', KEYS[1], 'one'); redis.call('rpush', KEYS[2], 'a', 'b'); redis.call('incr', KEYS[3]); return 'ok'",
                "3", tag + ":1", tag + ":list", tag + ":n"), Is.EqualTo("$ok"));
            return;
        }
        Transaction(raw, tag);
    }

    private static void Transaction(RawClient raw, string tag)
    {
        Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
        raw.Call("SET", tag + ":1", "one");
        raw.Call("RPUSH", tag + ":list", "a", "b");
        raw.Call("INCR", tag + ":n");
        raw.Call("GET", tag + ":1");
        Assert.That(raw.Call("EXEC"), Is.EqualTo("*[+OK,:2,:1,$one]"));
    }

    [Test]
    public async Task ATornTransactionIsDroppedWholeAndTheOneBeforeItKept([Values(0.3, 0.6, 0.97)] double tearAt, [Values("MULTI", "EVAL")] string kind)
    {
        var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--aof-max-size", "4mb");
        long start, end;
        using (var raw = server.Raw())
        {
            raw.Call("SET", "before", "x");
            Unit(raw, "t1", kind);
            start = LogSize(raw);
            Unit(raw, "t2", kind);
            end = LogSize(raw);
        }
        await server.StopKeepingDataAsync();
        // The tail of the second transaction's records never reached the file.
        long from = start + (long)((end - start) * tearAt);
        using (var fs = new FileStream(Path.Combine(server.DataDir, "aof.pmem"), FileMode.Open, FileAccess.ReadWrite))
        {
            fs.Position = from;
            fs.Write(new byte[end - from]);
        }
        await using var after = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb");
        using var check = after.Raw();
        Assert.That(check.Call("GET", "before"), Is.EqualTo("$x"));
        Assert.That(check.Call("MGET", "t1:1", "t1:n"), Is.EqualTo("*[$one,$1]"), "the complete transaction is kept");
        Assert.That(check.Call("LLEN", "t1:list"), Is.EqualTo(":2"));
        Assert.That(check.Call("EXISTS", "t2:1", "t2:list", "t2:n"), Is.EqualTo(":0"), "nothing of the torn one is applied");
        Assert.That(check.Call("INFO", "persistence"), Does.Contain("aof_last_load_truncated:1"));
    }

    [Test]
    public void KillNineNeverLeavesHalfATransaction()
    {
        const int cycles = 6, writers = 3;
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        var acked = new long[writers];
        var rnd = new Random();
        try
        {
            for (int cycle = 0; cycle <= cycles; cycle++)
            {
                using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "256mb", "--pmem-granularity", "cache-line");
                Assert.That(server.HasExited, Is.False, server.Output);
                using (var check = new RawClient(port))
                    for (int w = 0; w < writers; w++)
                    {
                        var state = check.Call("MGET", $"a:{w}", $"b:{w}");
                        var len = check.Call("LLEN", $"l:{w}");
                        var parts = state[2..^1].Split(',').Select(v => v == "$nil" ? 0 : long.Parse(v[1..])).ToArray();
                        Assert.That(parts[1], Is.EqualTo(parts[0]), $"writer {w}: half a transaction was applied ({state})");
                        Assert.That(long.Parse(len[1..]), Is.EqualTo(parts[0]), $"writer {w}: the list disagrees with the counters");
                        Assert.That(parts[0], Is.GreaterThanOrEqualTo(acked[w]), $"writer {w}: an acknowledged EXEC was lost");
                    }
                if (cycle == cycles) break;
                using var stop = new CancellationTokenSource();
                var errors = new Exception?[writers];
                var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
                {
                    try
                    {
                        using var raw = new RawClient(port);
                        while (!stop.IsCancellationRequested)
                        {
                            var batch = new MemoryStream();
                            for (int i = 0; i < 10; i++)
                            {
                                batch.Write(RawClient.Command("MULTI"));
                                batch.Write(RawClient.Command("INCR", $"a:{w}"));
                                batch.Write(RawClient.Command("RPUSH", $"l:{w}", new string('x', 200)));
                                batch.Write(RawClient.Command("INCR", $"b:{w}"));
                                batch.Write(RawClient.Command("EXEC"));
                            }
                            raw.Send(batch.ToArray());
                            for (int i = 0; i < 10; i++)
                            {
                                for (int q = 0; q < 4; q++) raw.ReadReply();
                                var exec = raw.ReadReply();
                                var m = Regex.Match(exec, @"^\*\[:(\d+),:\d+,:(\d+)\]$");
                                if (!m.Success || m.Groups[1].Value != m.Groups[2].Value) throw new InvalidDataException("EXEC replied " + exec);
                                acked[w] = long.Parse(m.Groups[1].Value);
                            }
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException) { }
                    catch (Exception e) { errors[w] = e; }
                })).ToList();
                threads.ForEach(t => t.Start());
                Thread.Sleep(rnd.Next(150, 700));
                server.Signal("KILL");
                Assert.That(server.WaitForExit(10_000), Is.True);
                stop.Cancel();
                threads.ForEach(t => t.Join());
                Assert.That(errors.Where(e => e != null), Is.Empty);
            }
            Assert.That(acked.Sum(), Is.GreaterThan(100), "the load really ran");
        }
        finally { Directory.Delete(dir, true); }
    }
}
