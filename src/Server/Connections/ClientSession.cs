using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// One client connection (Redis's client struct) and its loop: read → parse every
/// complete frame → execute them under one lock → write the replies → one flush.
/// </summary>
internal sealed partial class ClientSession
{
    private readonly RedisServer _server;
    private readonly IDuplexPipe _pipe;
    private volatile bool _killed;
    private bool _closeAfterReply;

    public ClientSession(RedisServer server, IDuplexPipe pipe, EndPoint? remote, EndPoint? local)
    {
        _server = server;
        _pipe = pipe;
        Id = server.NextClientId();
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        Reply = new RespWriter(pipe.Output);
        Db = server.Databases[0];
        Authenticated = server.Config.RequirePass.Length == 0;
        CreatedMs = LastInteractionMs = RedisServer.NowMs();
    }

    public long Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public EndPoint? LocalEndPoint { get; }
    public RedisServer Server => _server;
    public RespRequest Request { get; } = new();
    public RespWriter Reply { get; }
    public Database Db { get; private set; }
    public bool Authenticated { get; set; }
    public string? Name { get; set; }
    public string? LibName { get; set; }
    public string? LibVersion { get; set; }
    public long CreatedMs { get; }
    public long LastInteractionMs { get; private set; }
    public string LastCommand { get; private set; } = "NULL";

    /// <summary>The time commands of the current batch see (Redis caches it per command, we per batch).</summary>
    public long NowMs { get; private set; }

    public void Select(int index) => Db = _server.Databases[index];

    /// <summary>Close after the replies already written are flushed (QUIT, protocol errors).</summary>
    public void CloseAfterReply() => _closeAfterReply = true;

    /// <summary>Closes the connection from another thread (CLIENT KILL, timeout, shutdown).</summary>
    public void Kill()
    {
        _killed = true;
        _pipe.Input.CancelPendingRead();
        _pipe.Output.CancelPendingFlush();
    }

    public async Task RunAsync()
    {
        if (!_server.TryRegister(this)) return;
        try
        {
            while (!_killed)
            {
                var result = await _pipe.Input.ReadAsync().ConfigureAwait(false);
                if (_killed || result.IsCanceled) break;
                var buffer = result.Buffer;
                long before = buffer.Length;
                if (!buffer.IsEmpty) ProcessBatch(ref buffer);
                _server.Stats.NetInputBytes += before - buffer.Length;
                _pipe.Input.AdvanceTo(buffer.Start, buffer.End);

                if (!_closeAfterReply && buffer.Length > _server.Config.ClientQueryBufferLimit)
                {
                    _server.Logger.LogClosingOverLimit(Id, buffer.Length);
                    break;
                }
                var flush = await _pipe.Output.FlushAsync().ConfigureAwait(false);
                if (_closeAfterReply || result.IsCompleted || flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The peer went away mid-read or mid-write: nothing to answer.
        }
        finally
        {
            _server.Unregister(this);
            Request.Release();
            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
            await _pipe.Output.CompleteAsync().ConfigureAwait(false);
        }
    }

    internal void ProcessBatch(ref ReadOnlySequence<byte> buffer)
    {
        var limits = _server.Limits;
        lock (_server.ExecLock)
        {
            NowMs = LastInteractionMs = RedisServer.NowMs();
            while (!_closeAfterReply)
            {
                var status = RespReader.TryParse(ref buffer, Request, limits, Authenticated, out var error);
                if (status == RespParseStatus.Incomplete) break;
                if (status == RespParseStatus.Error)
                {
                    _server.Stats.ProtocolErrors++;
                    Reply.Error("ERR " + error);
                    _closeAfterReply = true;
                    break;
                }
                Execute();
                Request.Release();
            }
        }
    }
}
