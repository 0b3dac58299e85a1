using PasteRedis.Paste;
using PasteRedis.Tests.Paste;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// Group commit across connections: batches that end while a commit is in flight share
/// the next fence, and none of them is answered before its records are durable.
/// </summary>
[TestFixture]
public class GroupCommitTests
{
    /// <summary>A slow fence (as on a loaded NVMM DIMM); counts the flushed log lines at each fence.</summary>
    private sealed class SlowFence : IPersistenceObserver
    {
        public void Flushed(long offset, long length) { }
        public void Drained() => Thread.Sleep(3);
    }

    [Test]
    public async Task ConcurrentBatchesShareOneFence()
    {
        // On the epoll loop (the default) the batches of one iteration share its fence. On
        // the runtime's engine with commands on one socket event thread (CI's second pass)
        // batches run one after another and commit each its own: nothing to share there.
        if (Environment.GetEnvironmentVariable("PASTEREDIS_TEST_EVENT_LOOP") == "runtime"
            && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1"
            && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT") == "1")
            Assert.Ignore("one event thread runs every batch in turn: no concurrent batches to group");
        await using var server = await ServerInstance.StartAsync(["--pmem-granularity", "cache-line"]);
        lock (server.Server.ExecLock) server.Server.Aof!.Log.Region.Observer = new SlowFence();
        using var info = server.Raw();
        long commits0 = PacketBufferServerTests.InfoField(info, "aof_commits", "persistence");
        long batches0 = PacketBufferServerTests.InfoField(info, "aof_write_batches", "persistence");

        const int Clients = 8, Writes = 40;
        var writers = Enumerable.Range(0, Clients).Select(c => Task.Run(() =>
        {
            using var raw = server.Raw();
            for (int i = 0; i < Writes; i++)
                Assert.That(raw.Call("SET", $"g{c}:{i}", $"value-{c}-{i}"), Is.EqualTo("+OK"));
        })).ToArray();
        await Task.WhenAll(writers);

        long commits = PacketBufferServerTests.InfoField(info, "aof_commits", "persistence") - commits0;
        long batches = PacketBufferServerTests.InfoField(info, "aof_write_batches", "persistence") - batches0;
        Assert.That(batches, Is.EqualTo(Clients * Writes), "one batch per unpipelined SET");
        Assert.That(commits, Is.LessThan(batches / 2), "batches that ended during a commit shared the next fence");
        for (int c = 0; c < Clients; c++)
            Assert.That(info.Call("GET", $"g{c}:{Writes - 1}"), Is.EqualTo($"$value-{c}-{Writes - 1}"));
    }

    [Test]
    public async Task ABatchThatArrivesInPiecesIsCommittedOnceWhenItsRepliesLeave()
    {
        // hz 1: the cron (which commits whatever is pending) rarely runs between the pieces.
        await using var server = await ServerInstance.StartAsync(["--pmem-granularity", "cache-line", "--hz", "1"]);
        using var info = server.Raw();
        using var raw = server.Raw();
        var batch = new MemoryStream();
        for (int i = 0; i < 16; i++) batch.Write(RawClient.Command("SET", $"piece:{i}", new string('p', 1000)));
        var bytes = batch.ToArray();
        long commits0 = PacketBufferServerTests.InfoField(info, "aof_commits", "persistence");
        // Three receives, each ending mid-frame: the client is still sending, nothing is answered.
        int third = bytes.Length / 3;
        raw.Send(bytes[..third]);
        Thread.Sleep(30);
        raw.Send(bytes[third..(2 * third)]);
        Thread.Sleep(30);
        Assert.That(raw.Available, Is.EqualTo(0), "no reply before the batch is complete");
        // (No INFO in between: a read on another connection waits for every record appended
        // before it, and so would commit these.)
        raw.Send(bytes[(2 * third)..]);
        for (int i = 0; i < 16; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(PacketBufferServerTests.InfoField(info, "aof_commits", "persistence") - commits0, Is.LessThan(3),
            "one fence for the whole batch before its replies, not one per receive (two if a cron tick fell between the pieces)");
        Assert.That(info.Call("GET", "piece:15"), Is.EqualTo("$" + new string('p', 1000)));
    }
}
