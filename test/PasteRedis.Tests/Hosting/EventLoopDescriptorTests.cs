using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PasteRedis.Server.Hosting;
using PasteRedis.Server.Hosting.Loop;

namespace PasteRedis.Tests.Hosting;

/// <summary>
/// An ended event loop writes nothing to the numbers its descriptors had. A connection
/// finishing on another thread posts its close to its loop; after the loop's end the
/// eventfd's number may already belong to a client's socket opened since, and the eight
/// bytes a post writes (1, then seven zeros) appeared in that connection's stream (CI saw
/// a crash test's server answer "unknown command '\u0001'" to them).
/// </summary>
[TestFixture]
[NonParallelizable] // takes the descriptor numbers the loop frees the moment it frees them
public class EventLoopDescriptorTests
{
    [Test]
    public void APostAfterTheLoopEndedWritesNothingIntoASocketThatReusedItsEventfdNumber()
    {
        if (!Epoll.Supported) Assert.Ignore("epoll is Linux's");
        int checkedReuse = 0;
        for (int attempt = 0; attempt < 20 && checkedReuse < 3; attempt++)
        {
            var loop = EventLoop.Start(null!, new TransportOptions(), NullLogger.Instance, 1)[0];
            int wakeFd = loop.WakeFd;
            loop.Dispose();
            // The lowest free numbers go first: a connected pair of sockets takes the loop's old ones.
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using var accepted = listener.Accept();
            var peer = client.Handle == wakeFd ? accepted : accepted.Handle == wakeFd ? client : null;
            if (peer == null) continue; // another thread took the number: try again
            checkedReuse++;
            loop.Post(() => { });
            Thread.Sleep(50);
            Assert.That(peer.Available, Is.EqualTo(0), "the ended loop wrote into a connection that reused its eventfd's number");
        }
        Assert.That(checkedReuse, Is.GreaterThan(0), "the loop's eventfd number was never reused by a socket: nothing was checked");
    }
}
