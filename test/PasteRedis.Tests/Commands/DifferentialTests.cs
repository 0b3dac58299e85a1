using System.Text;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// Differential test against the real redis-server: every command of
/// <c>differential-corpus.txt</c> (normal use and error paths of the commands built here,
/// every command with too few arguments and against a key of the wrong type, and RESP3)
/// goes to both servers in the same order, and every reply must be the same, byte for byte
/// as RawClient renders it.
/// </summary>
[TestFixture]
public class DifferentialTests : ServerFixture
{
    [Test]
    public void EveryReplyIsRedissOwn()
    {
        using var redis = new Tools.ReferenceRedis("differential");
        int port = redis.Port;
        using var real = new RawClient(port);
        using var ours = new RawClient(Server.Port);
        real.BulkEncoding = ours.BulkEncoding = System.Text.Encoding.Latin1; // byte for byte (HyperLogLog values, BITOP results)
        var differences = new List<string>();
        int compared = 0;
        foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Commands", "differential-corpus.txt")))
        {
            if (raw.Length == 0 || raw[0] == '#') continue;
            bool unordered = raw[0] == '~', sendOnly = raw[0] == '!';
            var args = Split(unordered || sendOnly ? raw[1..] : raw);
            var theirs = real.Call(args);
            var mine = ours.Call(args);
            if (sendOnly) continue;
            compared++;
            if (unordered ? Elements(theirs) != Elements(mine) : theirs != mine)
                differences.Add($"{string.Join(' ', args)}\n    redis: {theirs}\n    ours:  {mine}");
        }
        Assert.That(compared, Is.GreaterThan(1850));
        Assert.That(differences, Is.Empty, $"{differences.Count} of {compared} replies differ");
    }

    /// <summary>A top-level array's elements, sorted (for replies whose order is a hash order).</summary>
    private static string Elements(string reply) =>
        reply.Length > 2 && reply[1] == '[' ? reply[0] + string.Join(",", reply[2..^1].Split(',').Order(StringComparer.Ordinal)) : reply;

    /// <summary>Splits a corpus line as a shell would: spaces separate, "double quotes" keep a word whole.</summary>
    internal static string[] Split(string line)
    {
        var args = new List<string>();
        var word = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char ch in line)
        {
            if (ch == '"') { quoted = !quoted; any = true; }
            else if (ch == ' ' && !quoted)
            {
                if (any) args.Add(word.ToString());
                word.Clear();
                any = false;
            }
            else { word.Append(ch); any = true; }
        }
        if (any) args.Add(word.ToString());
        return [.. args];
    }
}
