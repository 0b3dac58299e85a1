using System.Net;
using System.Net.Sockets;
using System.Text;
using PasteRedis.Tests.Paste;

namespace PasteRedis.Tests.Protocol;

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
            for (int got = 0; got < reply.Length;)
            {
                int n = socket.Receive(reply, got, reply.Length - got, SocketFlags.None);
                if (n == 0) throw new EndOfStreamException("the server closed the connection");
                got += n;
            }
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
