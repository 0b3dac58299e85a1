using System.Text;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// Keyspace notifications beside the real redis-server: with notify-keyspace-events on
/// (every class, key-miss and new-key included), every command of the differential corpus
/// goes to both servers and the notifications each one publishes must be the same, in the
/// same order. A subscriber on each server collects them; a marker published from a third
/// connection after each command closes that command's share.
/// </summary>
[TestFixture]
public class KeyspaceEventsTests : ServerFixture
{
    private sealed class Observer : IDisposable
    {
        private readonly RawClient _commands, _subscriber, _marker;
        private int _sequence;

        public Observer(int port, string flags)
        {
            _commands = new RawClient(port) { BulkEncoding = Encoding.Latin1 };
            _subscriber = new RawClient(port) { BulkEncoding = Encoding.Latin1 };
            _marker = new RawClient(port);
            Assert.That(_commands.Call("CONFIG", "SET", "notify-keyspace-events", flags), Is.EqualTo("+OK"));
            Assert.That(_subscriber.Call("PSUBSCRIBE", "__key*__:*"), Does.StartWith("*[$psubscribe"));
            Assert.That(_subscriber.Call("SUBSCRIBE", "__marker"), Does.StartWith("*[$subscribe"));
        }

        /// <summary>Runs a command; returns its reply and the notifications it caused ("channel message").</summary>
        public (string Reply, List<string> Events) Run(string[] command)
        {
            var reply = _commands.Call(command);
            string mark = (++_sequence).ToString();
            Assert.That(_marker.Call("PUBLISH", "__marker", mark), Is.EqualTo(":1"));
            var events = new List<string>();
            while (true)
            {
                var message = _subscriber.ReadReply();
                if (message == $"*[$message,$__marker,${mark}]") return (reply, events);
                events.Add(message.Replace("*[$pmessage,$__key*__:*,$", "").TrimEnd(']').Replace(",$", " "));
            }
        }

        public void Dispose()
        {
            _commands.Dispose();
            _subscriber.Dispose();
            _marker.Dispose();
        }
    }

    [Test]
    public void EveryCommandNotifiesAsRedisDoes()
    {
        var dir = Directory.CreateTempSubdirectory("redis-keyspace-events").FullName;
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            using var real = new Observer(port, "KEAn");
            using var ours = new Observer(Server.Port, "KEAn");
            var differences = new List<string>();
            int notifying = 0;
            foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Commands", "differential-corpus.txt")))
            {
                if (raw.Length == 0 || raw[0] == '#') continue;
                var args = DifferentialTests.Split(raw[0] is '~' or '!' ? raw[1..] : raw);
                if (args.Length > 0 && args[0].Equals("CONFIG", StringComparison.OrdinalIgnoreCase)
                    && args.Any(a => a.Equals("notify-keyspace-events", StringComparison.OrdinalIgnoreCase))) continue;
                var (_, theirs) = real.Run(args);
                var (_, mine) = ours.Run(args);
                // Expiry is timed by each server's clock and cron: compared in its own test.
                theirs.RemoveAll(e => e.Contains("expired"));
                mine.RemoveAll(e => e.Contains("expired"));
                if (theirs.Count > 0) notifying++;
                if (!theirs.SequenceEqual(mine))
                    differences.Add($"{string.Join(' ', args)}\n    redis: {string.Join(" | ", theirs)}\n    ours:  {string.Join(" | ", mine)}");
            }
            Assert.That(notifying, Is.GreaterThan(300), "commands that notified on Redis");
            Assert.That(differences, Is.Empty, $"{differences.Count} commands notify differently:\n" + string.Join("\n", differences));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }
}
