using Microsoft.Extensions.Logging;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>Server commands: TIME, LASTSAVE, SAVE, BGSAVE, ROLE, SHUTDOWN.</summary>
internal static class ServerCommands
{
    public static void Time(ClientSession c)
    {
        long us = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10; // one reading of the clock
        c.Reply.ArrayHeader(2);
        c.Reply.BulkInteger(us / 1_000_000);
        c.Reply.BulkInteger(us % 1_000_000);
    }

    /// <summary>
    /// BGREWRITEAOF: starts compacting the log in the background (a few thousand keys per
    /// cron tick; writes go on meanwhile); INFO persistence shows its progress.
    /// </summary>
    public static void BgRewriteAof(ClientSession c)
    {
        if (c.Server.Aof is not { } aof)
        {
            c.Reply.Error("ERR appendonly is no: there is no append-only file to rewrite");
            return;
        }
        if (aof.RewriteInProgress) c.Reply.Error("ERR Background append only file rewriting already in progress");
        else if (aof.StartRewrite(c.Server)) c.Reply.SimpleString("Background append only file rewriting started"u8);
        else c.Reply.Error("ERR Background append only file rewriting failed: could not create the new log (see the server log)");
    }

    public static void LastSave(ClientSession c) => c.Reply.Integer(c.Server.LastSaveUnix);

    /// <summary>SAVE: the keyspace as an RDB file (dbfilename in dir), written before the reply.</summary>
    public static void Save(ClientSession c)
    {
        if (c.Server.Snapshots.Save() is { } error) c.Reply.Error(error);
        else c.Reply.Ok();
    }

    /// <summary>BGSAVE [SCHEDULE]: the snapshot now, the file written on another thread.</summary>
    public static void BgSave(ClientSession c)
    {
        if (c.Request.Count > 2 || (c.Request.Count == 2 && !c.ArgIs(1, "SCHEDULE"u8)))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        var reply = c.Server.Snapshots.Background(schedule: c.Request.Count == 2);
        if (reply[0] == '-') c.Reply.Error(reply[1..]);
        else c.Reply.SimpleString(reply[1..]);
    }

    /// <summary>REPLICAOF host port | NO ONE (and SLAVEOF): follow a master, or stop following one.</summary>
    public static void ReplicaOf(ClientSession c)
    {
        var server = c.Server;
        if (c.ArgIs(1, "NO"u8) && c.ArgIs(2, "ONE"u8))
        {
            if (server.Master != null)
            {
                server.Logger.LogInformation("MASTER MODE enabled (user request from 'id={Id}')", c.Id);
                server.StopReplicating();
            }
            c.Reply.Ok();
            return;
        }
        if (!Resp.RespNumber.TryParseInt64(c.Request.Arg(2), out long port) || port is < 0 or > 65535)
        {
            c.Reply.Error("ERR Invalid master port");
            return;
        }
        var host = c.ArgString(1);
        if (server.Master is { } link && link.Host.Equals(host, StringComparison.OrdinalIgnoreCase) && link.Port == port)
        {
            c.Reply.SimpleString("OK Already connected to specified master");
            return;
        }
        server.Logger.LogInformation("REPLICAOF {Host}:{Port} enabled (user request from 'id={Id}')", host, port, c.Id);
        server.ReplicateFrom(host, (int)port);
        c.Reply.Ok();
    }

    /// <summary>ROLE: a replica's master and link state and offset; a master's offset and its replicas (address, listening port, acknowledged offset).</summary>
    public static void Role(ClientSession c)
    {
        if (c.Server.Master is { } master)
        {
            c.Reply.ArrayHeader(5);
            c.Reply.Bulk("slave");
            c.Reply.Bulk(master.Host);
            c.Reply.Integer(master.Port);
            c.Reply.Bulk(master.State);
            c.Reply.Integer(master.Offset);
            return;
        }
        var source = c.Server.Replication;
        c.Reply.ArrayHeader(3);
        c.Reply.Bulk("master");
        c.Reply.Integer(source.Offset);
        c.Reply.ArrayHeader(source.Replicas.Count);
        foreach (var r in source.Replicas)
        {
            c.Reply.ArrayHeader(3);
            c.Reply.Bulk(r.Address);
            c.Reply.Bulk(r.ListeningPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            c.Reply.Bulk(Math.Max(0, r.AckOffset).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }


    /// <summary>
    /// WAIT numreplicas timeout: how many replicas have acknowledged this connection's last
    /// write; when fewer than asked, the replicas are asked for their offsets and the
    /// connection waits until enough answer or the timeout (0: forever) passes, answering
    /// the count it has then, as Redis does.
    /// </summary>
    public static void Wait(ClientSession c)
    {
        if (c.Server.Master != null)
        {
            c.Reply.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable " +
                          "(which is not the default) writes to replicas are just local and are not propagated.");
            return;
        }
        if (!c.TryLong(1, out long replicas) || !TryMilliseconds(c, 2, out long timeoutMs)) return;
        var source = c.Server.Replication;
        int acked = source.Acknowledged(c.ReplicationOffset);
        if (acked >= replicas || !c.CanBlock)
        {
            c.Reply.Integer(acked);
            return;
        }
        bool again = c.IsBlocked; // a replica's acknowledgement made it look again
        c.Block(1, 0, default, timeoutMs, nullIsArray: false, timeoutReply: System.Text.Encoding.ASCII.GetBytes($":{acked}\r\n"));
        if (!again) source.Waiting(c);
    }

    /// <summary>REPLCONF option value …: what a replica tells its master (listening-port, capa, ip-address), and ACK offset (no reply).</summary>
    public static void ReplConf(ClientSession c)
    {
        var req = c.Request;
        if (req.Count % 2 == 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        for (int j = 1; j < req.Count; j += 2)
        {
            if (c.ArgIs(j, "listening-port"u8))
            {
                if (!c.TryLong(j + 1, out long port)) return;
                c.Server.Replication.SetListeningPort(c, (int)port);
            }
            else if (c.ArgIs(j, "ack"u8))
            {
                // Sent by a replica about the stream: never answered.
                if (c.IsReplica && Resp.RespNumber.TryParseInt64(req.Arg(j + 1), out long offset)) c.Server.Replication.Ack(c, offset);
                return;
            }
            else if (c.ArgIs(j, "getack"u8)) return; // asked of replicas, not of a master
            else if (c.ArgIs(j, "ip-address"u8)) c.Server.Replication.SetAnnouncedIp(c, c.ArgString(j + 1));
            else if (c.ArgIs(j, "capa"u8) || c.ArgIs(j, "rdb-only"u8)) { }
            else
            {
                c.Reply.Error($"ERR Unrecognized REPLCONF option: {c.ArgString(j)}");
                return;
            }
        }
        c.Reply.Ok();
    }

    /// <summary>PSYNC replid offset, SYNC: the stream from the backlog, or a full resynchronization (the snapshot, then the stream).</summary>
    public static void Sync(ClientSession c)
    {
        if (c.IsReplica) return; // already one: ignored, as Redis ignores it
        if (c.Server.Aof == null)
        {
            c.Reply.Error("ERR this server feeds replicas the records of its log: replication needs appendonly yes");
            return;
        }
        if (!c.ArgIs(0, "PSYNC"u8)) c.Server.Replication.Attach(c, null, 0);
        else if (c.TryLong(2, out long offset)) c.Server.Replication.Attach(c, c.ArgString(1), offset);
    }

    /// <summary>
    /// WAITAOF numlocal numreplicas timeout (Redis 7.2): whether this connection's writes are
    /// durable here, and on how many replicas (none). With appendfsync always they are by
    /// the time any reply leaves; with everysec or no, the log is made durable now.
    /// </summary>
    public static void WaitAof(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryLong(1, out long local)) return;
        if (local < 0 || local > 1)
        {
            c.Reply.Error("ERR value is out of range, value must between 0 and 1");
            return;
        }
        if (!c.TryLong(2, out long replicas)) return;
        if (replicas < 0)
        {
            c.Reply.Error("ERR value is out of range, must be positive");
            return;
        }
        if (!TryMilliseconds(c, 3, out long timeoutMs)) return;
        var aof = c.Server.Aof;
        if (local > 0 && aof == null)
        {
            c.Reply.Error("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
            return;
        }
        if (aof != null && aof.Policy != Persistence.FsyncPolicy.Always) aof.Drain(c.NowMs);
        int acked = aof != null ? 1 : 0;
        if (replicas == 0 || !c.CanBlock)
        {
            c.Reply.ArrayHeader(2);
            c.Reply.Integer(acked);
            c.Reply.Integer(0);
            return;
        }
        c.Block(1, 0, default, timeoutMs, nullIsArray: false, timeoutReply: System.Text.Encoding.ASCII.GetBytes($"*2\r\n:{acked}\r\n:0\r\n"));
    }

    /// <summary>MONITOR: from now on this connection receives every command the others run.</summary>
    public static void Monitor(ClientSession c)
    {
        c.Server.Monitors.Add(c);
        c.Reply.Ok();
    }

    /// <summary>Redis's getTimeoutFromObjectOrReply in milliseconds: an integer, not negative (0 = forever).</summary>
    private static bool TryMilliseconds(ClientSession c, int arg, out long ms)
    {
        if (!PasteRedis.Resp.RespNumber.TryParseInt64(c.Request.Arg(arg), out ms))
        {
            c.Reply.Error("ERR timeout is not an integer or out of range");
            return false;
        }
        if (ms < 0)
        {
            c.Reply.Error("ERR timeout is negative");
            return false;
        }
        return true;
    }

    /// <summary>
    /// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]. Stops the process gracefully; like
    /// Redis, a successful SHUTDOWN sends no reply, the connection just closes.
    /// </summary>
    public static void Shutdown(ClientSession c)
    {
        var flags = Hosting.ShutdownFlags.None;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.ArgIs(i, "NOSAVE"u8)) flags |= Hosting.ShutdownFlags.NoSave;
            else if (c.ArgIs(i, "SAVE"u8)) flags |= Hosting.ShutdownFlags.Save;
            else if (c.ArgIs(i, "NOW"u8)) flags |= Hosting.ShutdownFlags.Now;
            else if (c.ArgIs(i, "FORCE"u8)) flags |= Hosting.ShutdownFlags.Force;
            else if (c.ArgIs(i, "ABORT"u8) && c.Request.Count == 2)
            {
                if (c.Server.AbortShutdown()) c.Reply.Ok();
                else c.Reply.Error("ERR No shutdown in progress.");
                return;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if ((flags & (Hosting.ShutdownFlags.Save | Hosting.ShutdownFlags.NoSave)) == (Hosting.ShutdownFlags.Save | Hosting.ShutdownFlags.NoSave))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        // The final RDB file when asked or when save points exist; a failed one stops the shutdown unless FORCE, as in Redis.
        if (c.Server.Shutdown(flags, c) is { } error)
        {
            c.Reply.Error(error);
            return;
        }
        if (!c.IsBlocked) c.CloseAfterReply(); // blocked: waiting for the replicas (the reply comes only if it is aborted)
    }
}
