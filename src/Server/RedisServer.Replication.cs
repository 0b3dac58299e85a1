using Microsoft.Extensions.Logging;
using PasteRedis.Server.Replication;

namespace PasteRedis.Server;

/// <summary>This server as a replica (REPLICAOF, replicaof) and its replication position across a clean restart.</summary>
internal sealed partial class RedisServer
{
    /// <summary>The link to this server's master when it is a replica (REPLICAOF), else null.</summary>
    public ReplicaLink? Master { get; private set; }

    /// <summary>REPLICAOF host port: replicate that master from now on (a link to another one ends first).</summary>
    public void ReplicateFrom(string host, int port)
    {
        StopReplicationLink();
        Master = new ReplicaLink(this, host, port, Logger, _linkResume);
        _linkResume = null;
        Config.TrySet("replicaof", $"{host} {port}", atStartup: true);
    }

    // A replica's position at the last clean shutdown, for the configured master's first link.
    private ReplicationResume.State? _linkResume;

    /// <summary>
    /// At a clean shutdown (under the execution lock, the log drained): this server's
    /// replication position for the next start, as a master with a backlog or as a replica
    /// (<paramref name="link"/>, already stopped). Only with the log: without it nothing of
    /// the data survives to continue from.
    /// </summary>
    public void SaveReplicationState(ReplicaLink? link)
    {
        var state = link != null ? link.ResumePoint()
            : Replication.Backlog != null ? new ReplicationResume.State("master", Replication.ReplId, Replication.Offset, -1) : null;
        if (state == null || Aof == null) return;
        try { ReplicationResume.Save(Config.Dir, state); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Logger.LogWarning("Unable to keep the replication position for the next start: {Reason}", e.Message);
        }
    }

    /// <summary>REPLICAOF NO ONE: the link ends; the data stays.</summary>
    public void StopReplicating()
    {
        StopReplicationLink();
        Config.TrySet("replicaof", "", atStartup: true);
    }

    /// <summary>replicaof in the configuration: once its own data is loaded, the server follows that master.</summary>
    public void StartConfiguredReplication()
    {
        if (Config.Get("replicaof").Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var host, var port])
            lock (ExecLock) ReplicateFrom(host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Shutdown: the link ends, and replicaof keeps its value (CONFIG REWRITE at SHUTDOWN would write it). Returns the ended link.</summary>
    public ReplicaLink? StopReplicationLink()
    {
        var link = Master;
        Master = null;
        link?.Dispose();
        return link;
    }
}
