using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>Server commands: TIME, LASTSAVE, ROLE, SHUTDOWN.</summary>
internal static class ServerCommands
{
    public static void Time(ClientSession c)
    {
        long us = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + (DateTime.UtcNow.Ticks / 10) % 1000;
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

    /// <summary>ROLE: this server is always a master without replicas.</summary>
    public static void Role(ClientSession c)
    {
        c.Reply.ArrayHeader(3);
        c.Reply.Bulk("master");
        c.Reply.Integer(0);
        c.Reply.ArrayHeader(0);
    }

    /// <summary>
    /// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]. Stops the process gracefully; like
    /// Redis, a successful SHUTDOWN sends no reply, the connection just closes.
    /// </summary>
    public static void Shutdown(ClientSession c)
    {
        bool save = false, nosave = false;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.ArgIs(i, "NOSAVE"u8)) nosave = true;
            else if (c.ArgIs(i, "SAVE"u8)) save = true;
            else if (c.ArgIs(i, "NOW"u8) || c.ArgIs(i, "FORCE"u8)) { }
            else if (c.ArgIs(i, "ABORT"u8) && c.Request.Count == 2)
            {
                c.Reply.Error("ERR No shutdown in progress.");
                return;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (save && nosave)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        c.Server.RequestShutdown?.Invoke();
        c.CloseAfterReply();
    }
}
