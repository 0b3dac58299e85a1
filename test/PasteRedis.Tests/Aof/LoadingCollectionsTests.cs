using System.Runtime;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// A long replay runs in a no-GC region and ends with one full collection: the region is
/// closed again when the server takes requests, and the data is the data.
/// </summary>
[TestFixture, NonParallelizable]
public class LoadingCollectionsTests
{
    private (long MinRecords, long MinBudget, long BytesPerRecord) _saved;

    [SetUp]
    public void LowerTheThreshold()
    {
        _saved = (LoadingCollections.MinRecords, LoadingCollections.MinBudget, LoadingCollections.BytesPerRecord);
        LoadingCollections.MinRecords = 1_000; // a test-sized log counts as long
    }

    [TearDown]
    public void RestoreTheThreshold() =>
        (LoadingCollections.MinRecords, LoadingCollections.MinBudget, LoadingCollections.BytesPerRecord) = _saved;

    [Test]
    public async Task LongReplayRunsInANoGcRegionThatIsClosedWhenRequestsAreServed()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--aof-max-size", "16mb");
        using (var raw = server.Raw())
        {
            var batch = new MemoryStream();
            for (int i = 0; i < 3_000; i++) batch.Write(RawClient.Command("SET", "key:" + i, "value-" + i + new string('v', i % 300)));
            raw.Send(batch.ToArray());
            for (int i = 0; i < 3_000; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        }
        long before = GC.CollectionCount(2);
        await server.RestartAsync();
        var aof = server.Server.Aof!;
        Assert.That(aof.LastLoadHeaders, Is.EqualTo(3_000));
        Assert.That(aof.LastLoadRegionBytes, Is.GreaterThan(0), "the replay ran in a no-GC region");
        Assert.That(GCSettings.LatencyMode, Is.Not.EqualTo(GCLatencyMode.NoGCRegion), "the region ended with the replay");
        Assert.That(GC.CollectionCount(2), Is.GreaterThan(before), "the replay ended with a full collection");
        using var again = server.Raw();
        Assert.That(again.Call("DBSIZE"), Is.EqualTo(":3000"));
        for (int i = 0; i < 3_000; i += 499)
            Assert.That(again.Call("GET", "key:" + i), Is.EqualTo("$value-" + i + new string('v', i % 300)));
        // Collections go on as usual afterwards: garbage is collected, the server keeps logging.
        Assert.That(again.Call("SET", "after", "ok"), Is.EqualTo("+OK"));
        long gen0 = GC.CollectionCount(0);
        GC.Collect(0);
        Assert.That(GC.CollectionCount(0), Is.GreaterThan(gen0));
    }

    [Test]
    public async Task EveryPacketBufferGetsItsMemoryManagerOnceTheDataIsLoaded()
    {
        // 128 MB of 4 KB buffers: more than the pool makes at once; the server asks for the rest after its replay.
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "128mb", "--aof-max-size", "16mb");
        using (var raw = server.Raw()) Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
        await server.RestartAsync();
        Tools.WaitFor(() => server.Server.Pool!.ManagersComplete, "the pool's background thread after loading");
        using var again = server.Raw();
        Assert.That(again.Call("GET", "k"), Is.EqualTo("$v"));
    }

    [Test]
    public async Task ShortReplayRunsAsUsualAndAReplayLargerThanItsRegionStillLoads()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--aof-max-size", "16mb");
        using (var raw = server.Raw())
            for (int i = 0; i < 200; i++) Assert.That(raw.Call("SET", "k" + i, new string('x', 2_000)), Is.EqualTo("+OK"));
        LoadingCollections.MinRecords = 1_000;
        await server.RestartAsync();
        Assert.That(server.Server.Aof!.LastLoadRegionBytes, Is.EqualTo(0), "200 records: no region");

        // A region smaller than what the replay allocates: the collector ends it early, and loading goes on.
        using (var raw = server.Raw())
            for (int i = 0; i < 2_000; i++) Assert.That(raw.Call("RPUSH", "list", new string('y', 100) + i), Is.EqualTo(":" + (i + 1)));
        (LoadingCollections.MinRecords, LoadingCollections.MinBudget, LoadingCollections.BytesPerRecord) = (100, 64 * 1024, 1);
        await server.RestartAsync();
        Assert.That(server.Server.Aof!.LastLoadRegionBytes, Is.EqualTo(64 * 1024), "a region far smaller than the list it rebuilds");
        Assert.That(GCSettings.LatencyMode, Is.Not.EqualTo(GCLatencyMode.NoGCRegion));
        using var again = server.Raw();
        Assert.That(again.Call("LLEN", "list"), Is.EqualTo(":2000"));
        Assert.That(again.Call("LINDEX", "list", "1999"), Is.EqualTo("$" + new string('y', 100) + 1999));
    }
}
