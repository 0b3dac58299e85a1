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
        return ServeAsync(server, client.Transport, client.RemoteEndPoint, socket?.LocalEndPoint ?? listenEndPoint);
    }

    /// <summary>A connection, plain or TLS, once its transport is ready: refused over maxclients, otherwise a session.</summary>
    internal static Task ServeAsync(RedisServer server, System.IO.Pipelines.IDuplexPipe transport, EndPoint? remote, EndPoint? local)
    {
        if (server.ClientCount >= server.Config.MaxClients)
        {
            Interlocked.Increment(ref server.Stats.RejectedConnections);
            return RejectAsync(transport);
        }
        return new ClientSession(server, transport, remote, local).RunAsync();
    }

    internal static void ConfigureSocket(RedisServer server, Socket socket)
    {
        socket.NoDelay = true;
        int keepAlive = (int)Math.Min(int.MaxValue, long.Parse(server.Config.Get("tcp-keepalive")));
        if (keepAlive > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, keepAlive);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, keepAlive / 3));
        }
    }

    /// <summary>Over maxclients: Redis's error, then close.</summary>
    private static async Task RejectAsync(System.IO.Pipelines.IDuplexPipe transport)
    {
        await transport.Output.WriteAsync("-ERR max number of clients reached\r\n"u8.ToArray()).ConfigureAwait(false);
        await transport.Output.CompleteAsync().ConfigureAwait(false);
        await transport.Input.CompleteAsync().ConfigureAwait(false);
    }

    protected override void OnClientFaulted(in ClientConnection client, Exception exception) { }
}
