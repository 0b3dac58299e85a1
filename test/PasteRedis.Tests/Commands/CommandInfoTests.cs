namespace PasteRedis.Tests.Commands;

/// <summary>
/// COMMAND INFO of every implemented command (and subcommand) against the real
/// redis-server: arity, flags, key positions, ACL categories and key specifications must be
/// Redis's. Tips are not compared (this server lists none; README says so).
/// </summary>
[TestFixture]
public class CommandInfoTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    /// <summary>
    /// Where this server follows Redis 7.2 and an older redis-server (Debian 12 ships 7.0)
    /// differs; compared as usual against 7.2 or later.
    /// </summary>
    private static readonly Dictionary<string, string> NewerThan70 = new()
    {
        ["client|setinfo"] = "added in 7.2",
        ["waitaof"] = "added in 7.2",
        ["zrank"] = "7.2 added WITHSCORE: arity -3",
        ["zrevrank"] = "7.2 added WITHSCORE: arity -3",
    };

    /// <summary>Redis has DEBUG without subcommands (its command parses them); this server lists the ones it has as subcommands.</summary>
    private static readonly HashSet<string> OnlyHere = ["debug|object", "debug|digest", "debug|digest-value", "debug|sleep", "debug|set-active-expire", "debug|log", "debug|protocol", "debug|help"];

    [Test]
    public async Task EveryCommandDescribesItselfAsRedisDoes()
    {
        using var redis = new Tools.ReferenceRedis("commandinfo");
        int port = redis.Port;
        await using var real = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
        var realDb = real.GetDatabase();
        var version = Version.Parse((string)realDb.Execute("INFO", "server")!
            .ToString().Split("\r\n").First(l => l.StartsWith("redis_version:"))["redis_version:".Length..]);
        bool before72 = version < new Version(7, 2);
        var db = Mux.GetDatabase();
        // Commands and subcommands ("config|get"), as Redis 7 lists them.
        var names = ((RedisResult[])db.Execute("COMMAND", "LIST")!).Select(r => (string)r!).OrderBy(n => n).ToList();
        Assert.That(names, Does.Contain("config|get"));
        Assert.That(names, Has.Count.GreaterThan(100));

        var differences = new List<string>();
        int compared = 0;
        foreach (var name in names)
        {
            var ours = Entry(db.Execute("COMMAND", "INFO", name));
            var theirs = Entry(realDb.Execute("COMMAND", "INFO", name));
            if (theirs == null)
            {
                if (!OnlyHere.Contains(name) && !(before72 && NewerThan70.ContainsKey(name))) differences.Add($"{name}: not a command of redis-server {version}");
                continue;
            }
            Compare(ours!, theirs);
        }
        Assert.That(compared, Is.GreaterThan(150), "commands and subcommands compared");
        Assert.That(differences, Is.Empty, $"COMMAND INFO against redis-server {version}");

        void Compare(RedisResult[] ours, RedisResult[] theirs)
        {
            var name = (string)ours[0]!;
            if (!(before72 && NewerThan70.ContainsKey(name)))
            {
                compared++;
                var mine = Describe(ours);
                var real = Describe(theirs);
                if (mine != real) differences.Add($"{name}:\n    ours  {mine}\n    redis {real}");
            }
            var theirSubs = ((RedisResult[])theirs[9]!).Select(s => (RedisResult[])s!).ToDictionary(s => (string)s[0]!);
            foreach (var sub in ((RedisResult[])ours[9]!).Select(s => (RedisResult[])s!))
            {
                var subName = (string)sub[0]!;
                if (theirSubs.TryGetValue(subName, out var theirSub)) Compare(sub, theirSub);
                else if (!OnlyHere.Contains(subName) && !(before72 && NewerThan70.ContainsKey(subName)))
                    differences.Add($"{subName}: not a subcommand of redis-server {version}");
            }
        }
    }

    private static RedisResult[]? Entry(RedisResult reply) => ((RedisResult[])reply!)[0] is { IsNull: false } e ? (RedisResult[])e! : null;

    /// <summary>Name, arity, flags (sorted), first/last/step, ACL categories (sorted), key specifications.</summary>
    private static string Describe(RedisResult[] info) =>
        $"{(string)info[0]!} arity {(long)info[1]} flags [{Sorted(info[2])}] keys {(long)info[3]},{(long)info[4]},{(long)info[5]} acl [{Sorted(info[6])}] specs {Flat(info[8])}";

    private static string Flat(RedisResult r) => r.Resp3Type switch
    {
        ResultType.Array or ResultType.Set or ResultType.Map => "[" + string.Join(",", ((RedisResult[])r!).Select(Flat)) + "]", // the protocol's types: KeySpecificationsAreRedisOnesInBothProtocols
        _ => r.IsNull ? "nil" : (string)r!,
    };

    /// <summary>Key specifications as both protocols write them, byte for byte, for commands of every kind of spec.</summary>
    [Test]
    public async Task KeySpecificationsAreRedisOnesInBothProtocols()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["COMMAND", "INFO", "set", "get", "xread", "zunionstore", "sort", "migrate", "eval", "blpop", "georadius", "lmpop", "object|encoding", "bitop"],
            ["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "GET"], ["COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "GET", "u8", "0"],
            ["COMMAND", "GETKEYSANDFLAGS", "sort", "k", "STORE", "d"], ["COMMAND", "GETKEYSANDFLAGS", "get"], ["COMMAND", "GETKEYSANDFLAGS", "ping"],
        ];
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands), Is.Empty);
    }

    private static string Sorted(RedisResult list) =>
        string.Join(" ", ((RedisResult[])list!).Select(r => (string)r!).OrderBy(s => s, StringComparer.Ordinal));
    /// <summary>
    /// COMMAND GETKEYS for every command both servers have, with 0 to 7 placeholder
    /// arguments (numbers where a count is read, so that numkeys-style commands find keys):
    /// the same keys, or the same error, from both.
    /// </summary>
    [Test]
    public void GetKeysFindsWhatRedisFindsForEveryCommand()
    {
        using var redis = new Tools.ReferenceRedis("getkeys");
        int port = redis.Port;
        using var real = new RawClient(port);
        using var ours = new RawClient(Server.Port);
        var theirs = real.Call("COMMAND", "LIST")[2..^1].Split(",$").Select(n => n.TrimStart('$')).ToHashSet();
        var names = ours.Call("COMMAND", "LIST")[2..^1].Split(",$").Select(n => n.TrimStart('$'))
            .Where(n => theirs.Contains(n) && !NewerThan70.ContainsKey(n) && !OnlyHere.Contains(n))
            .Where(n => n != "debug") // DEBUG has its OBJECT subcommand here (OnlyHere): "DEBUG k1" is no command
            .Order(StringComparer.Ordinal).ToList();
        Assert.That(names, Has.Count.GreaterThan(200));
        var differences = new List<string>();
        foreach (var name in names)
            foreach (var args in new[] { new string[0], ["k1"], ["k1", "k2"], ["2", "k1", "k2"], ["k1", "2", "k2", "k3"], ["k1", "k2", "k3", "k4"],
                ["k1", "1", "2", "3", "km", "STORE", "d"], ["k1", "k2", "k3", "STREAMS", "s1", "0", "x"] })
            {
                foreach (var sub in new[] { "GETKEYS", "GETKEYSANDFLAGS" })
                {
                    string[] command = ["COMMAND", sub, .. name.Split('|'), .. args];
                    string a = real.Call(command), b = ours.Call(command);
                    if (a != b) differences.Add($"{string.Join(' ', command)}\n    redis: {a}\n    ours:  {b}");
                }
            }
        Assert.That(differences, Is.Empty, $"{differences.Count} differ:\n" + string.Join("\n", differences.Take(40)));
    }
}
