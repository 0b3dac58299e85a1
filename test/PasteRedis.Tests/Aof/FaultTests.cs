using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Aof;

/// <summary>A full log, and a region file that lost its tail: clear errors, reads keep working, nothing wrong is served.</summary>
[TestFixture]
public class FaultTests
{
    [Test]
    public async Task AFullLogRefusesGrowingWritesKeepsReadsAndRecoversAfterDeletesWithoutARestart()
    {
        await using var server = await ServerInstance.StartAsync("--aof-max-size", "2mb", "--pbuf-memory", "64mb");
        using var raw = server.Raw();
        int written = 0;
        string refused = "";
        while (refused == "" && written < 200_000)
        {
            var batch = new MemoryStream();
            for (int i = 0; i < 500; i++) batch.Write(RawClient.Command("SET", "full:" + (written + i), "v" + (written + i)));
            raw.Send(batch.ToArray());
            for (int i = 0; i < 500; i++)
            {
                var reply = raw.ReadReply();
                if (reply == "+OK" && refused == "") written++;
                else if (reply != "+OK" && refused == "") refused = reply;
            }
        }
        Assert.That(refused, Does.StartWith("-MISCONF "), "a full log refuses writes with Redis's persistence error");
        Assert.That(raw.Call("INFO", "persistence"), Does.Contain("aof_last_write_status:ok"));
        Assert.That(raw.Call("GET", "full:0"), Is.EqualTo("$v0"), "reads keep working");
        Assert.That(raw.Call("SET", "one-more", "x"), Does.StartWith("-MISCONF"));
        Assert.That(raw.Call("APPEND", "full:1", "x"), Does.StartWith("-MISCONF"));

        // Deletes still go through (they use the reserve), and then compaction makes room.
        var dels = new MemoryStream();
        for (int i = 0; i < written; i += 2) dels.Write(RawClient.Command("DEL", "full:" + i));
        raw.Send(dels.ToArray());
        for (int i = 0; i < written; i += 2) Assert.That(raw.ReadReply(), Is.EqualTo(":1"));
        Assert.That(raw.Call("SET", "one-more", "x"), Is.EqualTo("+OK"), "writes resume without a restart");
        Assert.That(raw.Call("INFO", "persistence"), Does.Match(@"aof_rewrites:[1-9]"));

        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(after.Call("GET", "one-more"), Is.EqualTo("$x"));
        Assert.That(after.Call("GET", "full:1"), Is.EqualTo("$v1"));
        Assert.That(after.Call("EXISTS", "full:0"), Is.EqualTo(":0"));
        Assert.That(after.Call("DBSIZE"), Is.EqualTo(":" + (written / 2 + 1)));
    }

    [Test]
    public async Task ARegionFileThatLostItsTailNeverServesWrongData()
    {
        var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--aof-max-size", "4mb");
        var buffers = new int[400];
        using (var raw = server.Raw())
            for (int i = 0; i < 400; i++)
            {
                Assert.That(raw.Call("SET", "r:" + i, $"value-{i}-" + new string('r', 100)), Is.EqualTo("+OK"));
                buffers[i] = int.Parse(Regex.Match(raw.Call("DEBUG", "OBJECT", "r:" + i), @"pbufs:(\d+)@").Groups[1].Value);
            }
        await server.StopKeepingDataAsync();
        var region = Path.Combine(server.DataDir, "pbufs.pmem");
        // The file is cut short after the buffers of the first 200 values (a copy that did not finish, a full disk).
        int cut = buffers.Take(200).Max() + 1;
        Assert.That(buffers.Skip(200).Max(), Is.GreaterThanOrEqualTo(cut), "later values lie in the lost part");
        using (var fs = new FileStream(region, FileMode.Open, FileAccess.Write)) fs.SetLength(cut * 4096L);

        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(),
            () => ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb", "--aof-load-truncated", "no"));
        Assert.That(e!.Message, Does.Contain("aof.pmem").And.Contain("aof-load-truncated is no"), "refused, naming the file");

        await using var lenient = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb");
        using var check = lenient.Raw();
        int kept = 0;
        for (int i = 0; i < 400; i++)
        {
            var got = check.Call("GET", "r:" + i);
            if (got == "$nil") continue;
            Assert.That(got, Is.EqualTo($"$value-{i}-" + new string('r', 100)), "a value served is the value written");
            kept++;
        }
        Assert.That(kept, Is.InRange(200, 399), "the prefix whose bytes survived is kept, the rest dropped");
        Assert.That(check.Call("INFO", "persistence"), Does.Contain("aof_last_load_truncated:1"));
    }
}
