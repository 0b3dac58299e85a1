using System.Text;
using PasteRedis.Server.Commands;

namespace PasteRedis.Server.Connections;

/// <summary>
/// MONITOR (Redis's replicationFeedMonitors): every command a connection runs, after it ran,
/// as a status line "+seconds.micros [db addr] "arg" "arg"..." to each monitoring connection.
/// Administrative commands and the ones that carry passwords (AUTH, HELLO) are not shown.
/// Costs one comparison per command while nobody monitors. Used under the execution lock.
/// </summary>
internal sealed class Monitors
{
    private readonly List<ClientSession> _monitors = [];
    private readonly PasteRedis.Resp.RespWriter _writer = new();

    public int Count => _monitors.Count;

    public void Add(ClientSession c)
    {
        if (!_monitors.Contains(c)) _monitors.Add(c);
    }

    public void Remove(ClientSession c) => _monitors.Remove(c);

    public void Feed(ClientSession c, RedisCommand cmd)
    {
        if ((cmd.Flags & CommandFlags.Admin) != 0 || cmd.Name is "auth" or "hello" || _monitors.Count == 0) return;
        long micros = DateTimeOffset.UtcNow.Ticks / 10 - DateTimeOffset.UnixEpoch.Ticks / 10;
        var sb = new StringBuilder();
        sb.Append(micros / 1_000_000).Append('.').Append((micros % 1_000_000).ToString("D6"))
          .Append(" [").Append(c.Db.Id).Append(' ').Append(c.IsScriptSession ? "lua" : ClientCommands.Addr(c.RemoteEndPoint)).Append("] ");
        var req = c.Request;
        for (int i = 0; i < req.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            PasteRedis.Resp.Repr.Append(sb, req.Arg(i));
        }
        foreach (var m in _monitors)
        {
            if (m == c) continue;
            _writer.Output = m.PendingOutput;
            _writer.Protocol = m.Reply.Protocol;
            _writer.SimpleString(sb.ToString());
            m.Wake();
        }
    }
}
