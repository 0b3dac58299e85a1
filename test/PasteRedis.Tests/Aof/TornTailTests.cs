using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Aof;

/// <summary>Damaged logs: recovery applies the longest valid prefix and truncates the rest.</summary>
[TestFixture]
public class TornTailTests
{
    /// <summary>Writes k0..k9 one per record and returns the log's size after each (record boundaries).</summary>
    private static async Task<(ServerInstance Server, long[] Ends, string[] Where)> TenRecords()
    {
        var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--aof-max-size", "4mb", "--enable-debug-command", "local");
        var ends = new long[10];
        var where = new string[10];
        using var raw = server.Raw();
        for (int i = 0; i < 10; i++)
        {
            Assert.That(raw.Call("SET", "k" + i, $"value-{i}-" + new string('x', 100)), Is.EqualTo("+OK"));
            ends[i] = long.Parse(Regex.Match(raw.Call("INFO", "persistence"), @"aof_current_size:(\d+)").Groups[1].Value);
            where[i] = Regex.Match(raw.Call("DEBUG", "OBJECT", "k" + i), @"pbufs:(\S+)").Groups[1].Value;
        }
        await server.StopKeepingDataAsync();
        return (server, ends, where);
    }

    private static void Damage(string file, long offset, Action<byte[]> change, int length)
    {
        using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        var bytes = new byte[length];
        fs.Position = offset;
        fs.ReadExactly(bytes);
        change(bytes);
        fs.Position = offset;
        fs.Write(bytes);
    }

    private static async Task<List<int>> SurvivorsAfterRestart(string dir, params string[] args)
    {
        await using var server = await ServerInstance.StartOnAsync(dir, ["--pbuf-memory", "8mb", "--aof-max-size", "4mb", .. args]);
        using var raw = server.Raw();
        var survivors = Enumerable.Range(0, 10).Where(i => raw.Call("EXISTS", "k" + i) == ":1").ToList();
        foreach (var i in survivors) Assert.That(raw.Call("GET", "k" + i), Does.StartWith($"$value-{i}-"));
        if (survivors.Count < 10)
            Assert.That(raw.Call("INFO", "persistence"), Does.Contain("aof_last_load_truncated:1"));
        // The server keeps working and logging after a truncated load.
        Assert.That(raw.Call("SET", "after", "ok"), Is.EqualTo("+OK"));
        await server.RestartAsync();
        using var again = server.Raw();
        Assert.That(again.Call("GET", "after"), Is.EqualTo("$ok"));
        foreach (var i in survivors) Assert.That(again.Call("EXISTS", "k" + i), Is.EqualTo(":1"));
        return survivors;
    }

    [Test]
    public async Task TornLastRecordIsDropped()
    {
        var (server, ends, _) = await TenRecords();
        // Tear the last record: its second half never reached the file.
        long start = ends[8], end = ends[9];
        Damage(Path.Combine(server.DataDir, "aof.pmem"), start + (end - start) / 2, b => Array.Clear(b), (int)(end - start) / 2);
        Assert.That(await SurvivorsAfterRestart(server.DataDir), Is.EqualTo(Enumerable.Range(0, 9)));
    }

    [Test]
    public async Task CorruptRecordInTheMiddleKeepsOnlyThePrefix()
    {
        var (server, ends, _) = await TenRecords();
        Damage(Path.Combine(server.DataDir, "aof.pmem"), ends[4] + 8, b => b[0] ^= 0xFF, 1); // record 5's sequence
        Assert.That(await SurvivorsAfterRestart(server.DataDir), Is.EqualTo(Enumerable.Range(0, 5)));
    }

    [Test]
    public async Task HeaderCountBeforeTheReplayStopsAtTheFirstBrokenHeaderAndBoundsTheReplay()
    {
        // Sizing the replay's no-GC region reads the headers alone: record 5's broken sequence ends the count there...
        var (server, ends, _) = await TenRecords();
        Damage(Path.Combine(server.DataDir, "aof.pmem"), ends[4] + 8, b => b[0] ^= 0xFF, 1);
        await using (var restarted = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb"))
            Assert.That(restarted.Server.Aof!.LastLoadHeaders, Is.EqualTo(5));
        // ...and records whose headers are whole are counted though not applied (record 6's value damaged): an upper bound, never less.
        (server, _, var where) = await TenRecords();
        var m = Regex.Match(where[6], @"^(\d+)@(\d+)\+(\d+)");
        Damage(Path.Combine(server.DataDir, "pbufs.pmem"), long.Parse(m.Groups[1].Value) * 4096 + long.Parse(m.Groups[2].Value) + 3, b => b[0] ^= 0x20, 1);
        await using (var restarted = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb"))
        {
            Assert.That(restarted.Server.Aof!.LastLoadHeaders, Is.EqualTo(10));
            Assert.That(restarted.Server.Aof.LastRecovery!.Records, Is.EqualTo(6));
        }
    }

    [Test]
    public async Task CorruptReferencedValueByteIsCaughtByTheChecksum()
    {
        var (server, _, where) = await TenRecords();
        var m = Regex.Match(where[6], @"^(\d+)@(\d+)\+(\d+)");
        long offset = long.Parse(m.Groups[1].Value) * 4096 + long.Parse(m.Groups[2].Value) + 3;
        Damage(Path.Combine(server.DataDir, "pbufs.pmem"), offset, b => b[0] ^= 0x20, 1);
        Assert.That(await SurvivorsAfterRestart(server.DataDir), Is.EqualTo(Enumerable.Range(0, 6)),
            "the record whose referenced bytes changed is rejected, and everything after it");
    }

    [Test]
    public async Task LoadTruncatedNoRefusesToStart()
    {
        var (server, ends, _) = await TenRecords();
        Damage(Path.Combine(server.DataDir, "aof.pmem"), ends[8] + 20, b => b[0] ^= 0xFF, 1);
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(),
            () => ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb", "--aof-load-truncated", "no"));
        Assert.That(e!.Message, Does.Contain("aof.pmem").And.Contain("aof-load-truncated is no"));
        Directory.Delete(server.DataDir, true);
    }

    [Test]
    public async Task GarbageHeaderRefusesToStartNamingTheFile()
    {
        var (server, _, _) = await TenRecords();
        Damage(Path.Combine(server.DataDir, "aof.pmem"), 0, b => b.AsSpan().Fill(0x41), 16);
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb"));
        Assert.That(e!.Message, Does.Contain("aof.pmem").And.Contain("not a PasteRedis append-only file"));
        Directory.Delete(server.DataDir, true);
    }

    [Test]
    public async Task DifferentPacketBufferLayoutRefusesToStart()
    {
        var (server, _, _) = await TenRecords();
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "16mb", "--aof-max-size", "4mb"));
        Assert.That(e!.Message, Does.Contain("aof.pmem").And.Contain("pbuf-memory"));
        Directory.Delete(server.DataDir, true);
    }

    [Test]
    public async Task LeftoverRewriteFileIsIgnored()
    {
        var (server, _, _) = await TenRecords();
        File.WriteAllText(Path.Combine(server.DataDir, "aof.pmem.rewrite"), "half-written rewrite from a crash");
        Assert.That(await SurvivorsAfterRestart(server.DataDir), Is.EqualTo(Enumerable.Range(0, 10)));
    }
}
