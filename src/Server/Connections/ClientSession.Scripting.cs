using System.Buffers;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;

namespace PasteRedis.Server.Connections;

/// <summary>
/// The session scripts run their commands on (Redis's Lua client): no socket, RESP2
/// replies kept for the script, and each command executed and logged as a client's would be.
/// </summary>
internal sealed partial class ClientSession
{
    /// <summary>The server's session for scripts' redis.call.</summary>
    public static ClientSession ForScripts(RedisServer server)
    {
        var session = Internal(server, replaying: false);
        session.IsScriptSession = true;
        session.Reply.ErrorWritten = server.Stats.CountError; // a script's command errors count, as Redis's do
        return session;
    }

    /// <summary>The scripts' session (MONITOR shows its commands as "lua"'s).</summary>
    public bool IsScriptSession { get; private set; }

    /// <summary>Before a script: the caller's database and clock (time stands still while a script runs, as in Redis).</summary>
    public void EnterScript(ClientSession caller)
    {
        Select(caller.Db.Id);
        NowMs = caller.NowMs;
        _scriptCaller = caller;
        Reply.Protocol = 2;
        InExec = true; // nothing blocks, and a full log is not compacted in the middle of the script's group
    }

    public void LeaveScript()
    {
        InExec = false;
        _scriptCaller = null;
    }

    // The client whose script runs (its ACL user's permissions apply to the script's commands).
    private ClientSession? _scriptCaller;

    /// <summary>
    /// Runs one command a script called, given as a RESP frame; the error texts are Redis's
    /// for a command a script may not call. Returns the reply (RESP2, or RESP3 after
    /// redis.setresp(3)); valid until the next call.
    /// </summary>
    /// <summary>redis.acl_check_cmd: whether the script's caller may run the command (no arity check, as Redis); null for an unknown command.</summary>
    public bool? AclCheckForScript(ReadOnlyMemory<byte> frame)
    {
        var commands = new ReadOnlySequence<byte>(frame);
        if (RespReader.TryParse(ref commands, Request, RespLimits.Default, true, out _) != RespParseStatus.Complete) return null;
        try
        {
            if (LookUp(out _) is not { } cmd) return null;
            return _server.Acl.Check(_scriptCaller?.User ?? _server.Acl.Default, cmd, Request, out _) == Acl.AclDenial.None;
        }
        finally { Request.Release(); }
    }

    public ReadOnlySpan<byte> RunForScript(ReadOnlyMemory<byte> frame, bool readOnlyScript, int protocol)
    {
        var sink = _replySink!;
        sink.ResetWrittenCount();
        Reply.Protocol = protocol;
        var commands = new ReadOnlySequence<byte>(frame);
        _frame = commands;
        if (RespReader.TryParse(ref commands, Request, RespLimits.Default, true, out _) != RespParseStatus.Complete)
        {
            Reply.Error("ERR internal error: a script's command could not be parsed");
            return sink.WrittenSpan;
        }
        _frameEnd = commands.Start;
        try
        {
            var cmd = LookUp(out _);
            if (cmd == null) Reject("ERR Unknown Redis command called from script");
            else if (!cmd.ArityOk(Request.Count)) Reject("ERR Wrong number of args calling Redis command from script", cmd);
            else if ((cmd.Flags & CommandFlags.NoScript) != 0) Reject("ERR This Redis command is not allowed from script", cmd);
            else if (readOnlyScript && (cmd.Flags & CommandFlags.Write) != 0) Reject("ERR Write commands are not allowed from read-only scripts.", cmd);
            else if ((cmd.Flags & CommandFlags.Write) != 0 && _server.Master != null && _scriptCaller is { IsInternal: false } && _server.Config.Get("replica-read-only") == "yes")
                Reject("READONLY You can't write against a read only replica.", cmd);
            else if ((cmd.Flags & CommandFlags.Write) != 0 && _scriptCaller is { IsInternal: false } && _server.Snapshots.RefusesWrites)
                Reject(Persistence.RdbSnapshots.BgsaveError, cmd);
            else if ((cmd.Flags & CommandFlags.Write) != 0 && _scriptCaller is { IsInternal: false } && !_server.Replication.EnoughGoodReplicas)
                Reject("NOREPLICAS Not enough good replicas to write.", cmd);
            else if (_scriptCaller is { User.Unrestricted: false } caller && _server.Acl.Check(caller.User, cmd, Request, out int denied) is var denial and not Acl.AclDenial.None)
            {
                // Redis's scriptCall: logged with the caller's client, answered with the script's own text.
                _server.Acl.LogDenial(caller, denial, cmd, Request, denied, "lua", clientRunsIt: false);
                Reject(denial switch
                {
                    Acl.AclDenial.Command => "ERR The user executing the script can't run this command or subcommand",
                    Acl.AclDenial.Key => "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
                    _ => "ERR The user executing the script can't publish to the channel mentioned in the command",
                }, cmd);
            }
            // Inside the script InExec is set (no compaction mid-group), which skips Execute's memory check: made here, per command, as Redis's scriptCall does.
            else if ((cmd.Flags & CommandFlags.DenyOom) != 0 && _server.Memory is { } memory
                     && memory.UnderPressure(_server.Config.MaxMemory) && !memory.TryRelievePressure(_server, NowMs))
                Reject(PasteRedis.Server.Memory.PasteMemory.OomError, cmd);
            else if ((cmd.Flags & CommandFlags.Stale) == 0 && _server.Master is { Up: false } && _scriptCaller is { IsInternal: false }
                     && _server.Config.Get("replica-serve-stale-data") == "no")
                Reject("ERR Can not execute the command on a stale replica", cmd); // an allow-stale script's command that needs data
            else Execute();
        }
        finally { Request.Release(); }
        return sink.WrittenSpan;
    }
}
