using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// This server is a standalone Redis (cluster-enabled accepts only "no"), so the cluster
/// commands answer as a standalone redis-server answers them: known, checked for arity
/// and subcommand, and refused with Redis's error.
/// </summary>
internal static class ClusterCommands
{
    public static void Disabled(ClientSession c) => c.Reply.Error("ERR This instance has cluster support disabled");
}
