using System.Net;
using System.Net.Sockets;
using System.Text;
using PasteRedis.Tests.Paste;

namespace PasteRedis.Tests.Protocol;

/// <summary>
/// The hot path (read → parse → execute → persist → reply) allocates nothing per request,
/// through the real transport: a real server with the log on, a real socket, pipelined
/// SETs and GETs. The epoll loop runs all of it on its thread and INFO reports what that
/// thread has allocated (event_loop_allocated_bytes), so nothing else in the process (the
/// test runner, the client) is counted.
/// </summary>
[TestFixture]
public class HotPathAllocationTests
{
    [Test]
    public async Task PipelinedSetsAndGetsAllocateNothingOnTheEventLoop()
    {
        await using var server = await ServerInstance.StartAsync(["--pmem-granularity", "cache-line"]);
        using var info = server.Raw();
        if (!info.Call("INFO", "server").Contains("event_loop:epoll\r\n"))
            Assert.Ignore("event-loop runtime: the runtime's socket engine runs the hot path on threads it does not count");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));

        const int Pairs = 100;
        var value = new string('v', 64);
        var batch = new MemoryStream();
        for (int i = 0; i < Pairs; i++)
        {
            batch.Write(RawClient.Command("SET", $"alloc:{i}", value));
            batch.Write(RawClient.Command("GET", $"alloc:{i}"));
        }
        var request = batch.ToArray();
        int replyBytes = Pairs * ("+OK\r\n".Length + $"$64\r\n{value}\r\n".Length);
        var reply = new byte[replyBytes];

        void Round()
        {
            socket.Send(request);
            RawClient.ReceiveExactly(socket, reply);
        }

        for (int i = 0; i < 300; i++) Round(); // warm-up: pools, the log's first pages
        Assert.That(Encoding.ASCII.GetString(reply, 0, 10), Is.EqualTo("+OK\r\n$64\r\n"));

        // INFO itself allocates (on the loop, counted at the end of its iteration): two in a
        // row measure one, which is taken off the rounds' reading.
        long Allocated() => PacketBufferServerTests.InfoField(info, "event_loop_allocated_bytes", "server");
        long a = Allocated(), b = Allocated();
        const int Rounds = 1000;
        for (int i = 0; i < Rounds; i++) Round();
        long c = Allocated();
        long requests = Rounds * 2L * Pairs;
        long rounds = (c - b) - (b - a);
        TestContext.Out.WriteLine($"one INFO: {b - a} bytes; {requests} requests: {rounds} bytes");
        Assert.That(b - a, Is.GreaterThan(0), "INFO's own allocations are seen: the counter counts");
        Assert.That(rounds, Is.LessThan(1024), $"{rounds} bytes for {requests} requests: something on the request path allocates");
    }
}

/// <summary>
/// The epoll loop reads a connection that sends much at a time with one readv over its
/// pipe's buffer and spare packet buffers, which the pipe then takes as its next segments
/// (no copy). A pipeline of 1 KB SETs sent in one go takes fewer reads than its 4 KB
/// buffers (one recv per buffer before), and every value arrives whole, in order, and
/// survives a restart from the log that references those buffers.
/// </summary>
[TestFixture]
public class ScatteredReadTests
{
    [Test]
    public async Task APipelineOfLargeWritesIsReadManyBuffersAtATimeAndArrivesIntact()
    {
        await using var server = await ServerInstance.StartAsync(["--pmem-granularity", "cache-line", "--pbuf-size", "4096"]);
        using var info = server.Raw();
        if (!info.Call("INFO", "server").Contains("event_loop:epoll\r\n"))
            Assert.Ignore("event-loop runtime: the runtime's socket engine reads one buffer at a time");

        const int Count = 256;
        var random = new Random(12345);
        var values = new byte[Count][];
        var burst = new MemoryStream();
        for (int i = 0; i < Count; i++)
        {
            // 900 to 1 100 bytes, all byte values: boundaries fall anywhere in them.
            values[i] = new byte[900 + random.Next(201)];
            random.NextBytes(values[i]);
            burst.Write(Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n${$"scatter:{i}".Length}\r\nscatter:{i}\r\n${values[i].Length}\r\n"));
            burst.Write(values[i]);
            burst.Write("\r\n"u8);
        }
        var request = burst.ToArray();

        long Reads() => PacketBufferServerTests.InfoField(info, "event_loop_reads", "server");
        long before = Reads();
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
            socket.Send(request);
            var expected = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("+OK\r\n", Count)));
            var reply = new byte[expected.Length];
            RawClient.ReceiveExactly(socket, reply);
            Assert.That(reply, Is.EqualTo(expected));
        }
        // Minus the INFO that reads the counter (one read), and the empty read of the close.
        long reads = Reads() - before - 2;
        TestContext.Out.WriteLine($"{request.Length} bytes in {reads} reads");
        Assert.That(reads, Is.LessThan(request.Length / 4096),
            $"{reads} reads for {request.Length} bytes: no more than one 4 KB buffer per read");

        void AllThere(string when)
        {
            using var client = new RawClient(server.Port) { BulkEncoding = Encoding.Latin1 };
            for (int i = 0; i < Count; i++)
                Assert.That(client.Call("GET", $"scatter:{i}"), Is.EqualTo("$" + Encoding.Latin1.GetString(values[i])), $"scatter:{i} {when}");
        }
        AllThere("as written");
        await server.RestartAsync();
        AllThere("after a restart");
    }
}
