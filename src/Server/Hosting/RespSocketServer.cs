using System.Net;
using System.Net.Sockets;
using Pipelines.Sockets.Unofficial;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Hosting;

/// <summary>Accepts plain TCP connections and runs a <see cref="ClientSession"/> on each one's duplex pipe.</summary>
internal sealed class RespSocketServer(RedisServer server, EndPoint listenEndPoint) : SocketServer
{
    protected override Task OnClientConnectedAsync(in ClientConnection client)
    {
        Interlocked.Increment(ref server.Stats.ConnectionsReceived);
        var socket = (client.Transport as SocketConnection)?.Socket;
        if (socket != null) ConfigureSocket(server, socket);
        // A Unix socket's peer has no name: both ends are shown as the socket's path, as Redis shows them.
        if (listenEndPoint is UnixDomainSocketEndPoint) return ServeAsync(server, client.Transport, listenEndPoint, listenEndPoint);
        return ServeAsync(server, client.Transport, client.RemoteEndPoint, socket?.LocalEndPoint ?? listenEndPoint);
    }

    /// <summary>A connection, plain or TLS, once its transport is ready: refused over maxclients, otherwise a session.</summary>
    internal static Task ServeAsync(RedisServer server, System.IO.Pipelines.IDuplexPipe transport, EndPoint? remote, EndPoint? local)
    {
        if (server.ClientCount >= server.Config.MaxClients)
        {
            Interlocked.Increment(ref server.Stats.RejectedConnections);
            return RejectAsync(transport, "-ERR max number of clients reached\r\n"u8.ToArray());
        }
        if (server.Acl.Default.NoPass && !IsLocal(remote) && server.Config.Get("protected-mode") == "yes")
        {
            Interlocked.Increment(ref server.Stats.RejectedConnections);
            return RejectAsync(transport, ProtectedModeDenied);
        }
        return new ClientSession(server, transport, remote, local).RunAsync();
    }

    internal static void ConfigureSocket(RedisServer server, Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.Unix) return; // no TCP options on a Unix socket
        socket.NoDelay = true;
        int keepAlive = (int)Math.Min(int.MaxValue, long.Parse(server.Config.Get("tcp-keepalive")));
        if (keepAlive > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, keepAlive);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, keepAlive / 3));
        }
    }

    /// <summary>Redis 7.0's reply to a client protected mode refuses, before it closes the connection (its wording, "Setup a an" included).</summary>
    private static readonly byte[] ProtectedModeDenied = System.Text.Encoding.ASCII.GetBytes(
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. "
        + "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers "
        + "to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command "
        + "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, "
        + "however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. "
        + "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected "
        + "mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it "
        + "with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need "
        + "to do one of the above things in order for the server to start accepting connections from the outside.\r\n");

    /// <summary>Redis's connIsLocal: a Unix socket, or an address in 127.0.0.0/8 or ::1 (IPv4-mapped ones included).</summary>
    internal static bool IsLocal(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address }) return true;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetwork ? address.GetAddressBytes()[0] == 127 : address.Equals(IPAddress.IPv6Loopback);
    }

    /// <summary>A connection refused at once (maxclients, protected mode): Redis's error, then close.</summary>
    private static async Task RejectAsync(System.IO.Pipelines.IDuplexPipe transport, byte[] reply)
    {
        await transport.Output.WriteAsync(reply).ConfigureAwait(false);
        await transport.Output.CompleteAsync().ConfigureAwait(false);
        await transport.Input.CompleteAsync().ConfigureAwait(false);
    }

    protected override void OnClientFaulted(in ClientConnection client, Exception exception) { }
}
