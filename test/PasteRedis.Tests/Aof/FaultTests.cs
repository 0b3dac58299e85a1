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
        var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--aof-max-size", "4mb", "--enable-debug-command", "local");
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

    [Test]
    public async Task RecordsThatPointPastTheRegionEndTheValidPrefix()
    {
        // Written with a 16 MB region; the header is then made to claim (checksum and all) an
        // 8 MB one and the region file is cut to match: every record whose bytes lay in the
        // upper half now points past the region.
        var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-max-size", "4mb", "--enable-debug-command", "local");
        var buffers = new List<int>();
        using (var raw = server.Raw())
        {
            var filler = new string('f', 3000);
            for (int i = 0; i < 3000 && (buffers.Count == 0 || buffers.Max() < 2048 + 16); i++)
            {
                raw.Call("SET", "p:" + i, $"value-{i}-" + filler);
                buffers.Add(int.Parse(Regex.Match(raw.Call("DEBUG", "OBJECT", "p:" + i), @"pbufs:(\d+)@").Groups[1].Value));
            }
        }
        Assert.That(buffers.Max(), Is.GreaterThanOrEqualTo(2048), "some values lie in the upper half of the region");
        await server.StopKeepingDataAsync();
        var log = Path.Combine(server.DataDir, "aof.pmem");
        using (var fs = new FileStream(log, FileMode.Open, FileAccess.ReadWrite))
        {
            var super = new byte[32];
            fs.ReadExactly(super);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(super.AsSpan(16), 8UL * 1024 * 1024);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(super.AsSpan(28),
                PasteRedis.Aof.Crc32C.Finish(PasteRedis.Aof.Crc32C.Append(PasteRedis.Aof.Crc32C.Seed, super.AsSpan(0, 28))));
            fs.Position = 0;
            fs.Write(super);
        }
        using (var fs = new FileStream(Path.Combine(server.DataDir, "pbufs.pmem"), FileMode.Open, FileAccess.Write)) fs.SetLength(8L * 1024 * 1024);

        await using var after = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "8mb", "--aof-max-size", "4mb");
        using var check = after.Raw();
        Assert.That(check.Call("INFO", "persistence"), Does.Contain("aof_last_load_truncated:1"));
        // A frame spans at most two buffers: values starting below 2047 lie wholly inside.
        int firstNearEdge = buffers.FindIndex(b => b >= 2047), firstOutside = buffers.FindIndex(b => b >= 2048);
        for (int i = 0; i < buffers.Count; i++)
        {
            var got = check.Call("GET", "p:" + i);
            if (i < firstNearEdge) Assert.That(got, Does.StartWith($"$value-{i}-"), "the prefix before the first bad reference is kept");
            else if (got != "$nil") Assert.That(got, Does.StartWith($"$value-{i}-"), "nothing wrong is served");
        }
        Assert.That(check.Call("EXISTS", "p:" + firstOutside), Is.EqualTo(":0"), "the record pointing outside is not applied");
    }
}
