using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// Accepts TLS connections on tls-port: the handshake, then the same session as plain TCP.
/// Decrypted bytes are pumped into a receive pipe on the packet-buffer pool, so the log
/// references them where they landed, as it does for plain connections (TLS itself costs
/// the one copy decryption makes). A handshake that fails or stalls closes only its own
/// connection.
/// </summary>
internal sealed class TlsListener(RedisServer server, TransportOptions transport, TlsSettings tls, IPEndPoint endPoint, ILogger logger)
    : IDisposable
{
    private volatile TlsSettings _settings = tls;

    /// <summary>What new handshakes use: CONFIG SET of a tls-* parameter replaces it; open connections keep theirs.</summary>
    public TlsSettings Settings
    {
        get => _settings;
        set => _settings = value;
    }

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _listener = new(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();

    public void Start(int backlog)
    {
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(backlog);
        _ = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // the peer reset before we accepted it
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        Interlocked.Increment(ref server.Stats.ConnectionsReceived);
        RespSocketServer.ConfigureSocket(server, socket);
        var remote = socket.RemoteEndPoint;
        var local = socket.LocalEndPoint;
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(_settings.ServerOptions(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // As Redis: a failed handshake is logged at verbose level and the connection reset
                // (the client reads "Connection reset by peer", not a clean end of stream).
                logger.LogDebug("Error accepting a client connection: {Reason} (addr={Remote})", e.Message, remote);
                socket.Close(0);
                return;
            }
            // The session handles its own peer's going away; it ends by completing the pipes.
            var connection = new TlsConnection(ssl, socket, transport);
            await RespSocketServer.ServeAsync(server, connection, remote, local).ConfigureAwait(false);
            await connection.StopAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Anything else is a bug: said loudly, and only this connection is lost.
            logger.LogError(e, "TLS connection from {Remote} closed after an unexpected error", remote);
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Stop()
    {
        _stop.Cancel();
        _listener.Dispose();
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    /// <summary>
    /// The session's duplex pipe over an authenticated stream: one pump decrypts into the
    /// receive pipe, one encrypts what the session flushes. Waking or killing a session
    /// cancels the pipes, never a TLS read or write half-way.
    /// </summary>
    private sealed class TlsConnection : IDuplexPipe, Connections.ISendCounter, Connections.ISocketTransport
    {
        private long _bytesSent;

        public long BytesSent => Volatile.Read(ref _bytesSent);

        private readonly SslStream _ssl;
        private readonly Pipe _receive, _send;
        private readonly Task _receiving, _sending;

        public Socket Socket { get; }

        public TlsConnection(SslStream ssl, Socket socket, TransportOptions transport)
        {
            _ssl = ssl;
            Socket = socket;
            _receive = new Pipe(transport.ReceiveOptions());
            _send = new Pipe(transport.SendOptions());
            _receiving = ReceiveAsync();
            _sending = SendAsync();
        }

        public PipeReader Input => _receive.Reader;
        public PipeWriter Output => _send.Writer;

        private async Task ReceiveAsync()
        {
            var writer = _receive.Writer;
            Exception? error = null;
            try
            {
                while (true)
                {
                    var memory = writer.GetMemory(1);
                    int n = await _ssl.ReadAsync(memory).ConfigureAwait(false);
                    if (n == 0) break;
                    writer.Advance(n);
                    var flush = await writer.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled) break;
                }
            }
            catch (Exception e) { error = e; }
            await writer.CompleteAsync(error).ConfigureAwait(false);
        }

        private async Task SendAsync()
        {
            var reader = _send.Reader;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync().ConfigureAwait(false);
                    var buffer = result.Buffer;
                    foreach (var segment in buffer) await _ssl.WriteAsync(segment).ConfigureAwait(false);
                    Interlocked.Add(ref _bytesSent, buffer.Length);
                    reader.AdvanceTo(buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
                await reader.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) { await reader.CompleteAsync(e).ConfigureAwait(false); }
        }

        /// <summary>After the session: the last replies are sent, then both pumps end (the stream's disposal stops a pending read).</summary>
        public async Task StopAsync()
        {
            await _sending.ConfigureAwait(false);
            try { await _ssl.ShutdownAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
            await _ssl.DisposeAsync().ConfigureAwait(false);
            await _receiving.ConfigureAwait(false);
        }
    }
}
