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
            int got = 0;
            while (got < replyBytes)
            {
                int n = socket.Receive(reply, got, replyBytes - got, SocketFlags.None);
                if (n == 0) throw new EndOfStreamException("the server closed the connection");
                got += n;
            }
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
