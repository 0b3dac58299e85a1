using System.Net;
using System.Net.Sockets;
using Pipelines.Sockets.Unofficial;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Hosting;

/// <summary>Accepts connections and runs a <see cref="ClientSession"/> on each one's duplex pipe.</summary>
internal sealed class RespSocketServer(RedisServer server, EndPoint listenEndPoint) : SocketServer
{
    private readonly List<Task> _sessions = [];

    protected override Task OnClientConnectedAsync(in ClientConnection client)
    {
        Interlocked.Increment(ref server.Stats.ConnectionsReceived);
        var transport = client.Transport;
        var socket = (transport as SocketConnection)?.Socket;
        if (socket != null) ConfigureSocket(socket);
        if (server.ClientCount >= server.Config.MaxClients)
        {
            Interlocked.Increment(ref server.Stats.RejectedConnections);
            return RejectAsync(transport);
        }
        var session = new ClientSession(server, transport, client.RemoteEndPoint, socket?.LocalEndPoint ?? listenEndPoint);
        return session.RunAsync();
    }

    private void ConfigureSocket(Socket socket)
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
