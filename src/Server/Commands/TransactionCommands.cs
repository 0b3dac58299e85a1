using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c). In the log a transaction is
/// MULTI, its records, EXEC, all one group; when the log is replayed those two records
/// only mark the group (recovery already applies it whole or not at all, and each record
/// carries its own database), so the replaying session runs each record as it comes.
/// </summary>
internal static class TransactionCommands
{
    public static void Multi(ClientSession c)
    {
        if (c.IsReplaying)
        {
            c.Reply.Ok();
            return;
        }
        if (c.InMulti)
        {
            c.Reply.Error("ERR MULTI calls can not be nested");
            return;
        }
        c.BeginMulti();
        c.Reply.Ok();
    }

    public static void Exec(ClientSession c)
    {
        if (c.IsReplaying)
        {
            c.Reply.Ok();
            return;
        }
        if (!c.InMulti)
        {
            c.Reply.Error("ERR EXEC without MULTI");
            return;
        }
        if (c.MultiAborted)
        {
            c.DiscardMulti();
            c.UnwatchAll();
            c.Reply.Error("EXECABORT Transaction discarded because of previous errors.");
            return;
        }
        bool changed = c.WatchedKeyChanged || c.AWatchedKeyExpired();
        c.UnwatchAll();
        if (changed)
        {
            c.DiscardMulti();
            c.Reply.NullArray();
            return;
        }
        c.ExecQueued();
    }

    public static void Discard(ClientSession c)
    {
        if (!c.InMulti)
        {
            c.Reply.Error("ERR DISCARD without MULTI");
            return;
        }
        c.DiscardMulti();
        c.UnwatchAll();
        c.Reply.Ok();
    }

    public static void Watch(ClientSession c)
    {
        if (c.InMulti)
        {
            c.Reply.Error("ERR WATCH inside MULTI is not allowed");
            return;
        }
        for (int i = 1; i < c.Request.Count; i++) c.Watch(c.Request.Arg(i));
        c.Reply.Ok();
    }

    public static void Unwatch(ClientSession c)
    {
        c.UnwatchAll();
        c.Reply.Ok();
    }
}
