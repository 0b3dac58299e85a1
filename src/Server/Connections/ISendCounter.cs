namespace PasteRedis.Server.Connections;

/// <summary>
/// A transport of our own that counts the bytes it handed to the socket, so that what a
/// connection flushed but has not yet sent can be told (Pipelines.Sockets.Unofficial's
/// SocketConnection counts its own).
/// </summary>
internal interface ISendCounter
{
    long BytesSent { get; }
}

/// <summary>A transport of our own over one TCP socket (options such as TCP_NODELAY are set on it: repl-disable-tcp-nodelay).</summary>
internal interface ISocketTransport
{
    System.Net.Sockets.Socket Socket { get; }
}
