namespace PasteRedis.Tests.Commands;

/// <summary>The cluster commands answer as a standalone redis-server answers them (checked against one).</summary>
[TestFixture]
public class ClusterCommandTests : ServerFixture
{
    [Test]
    public void ClusterCommandsAnswerAsAStandaloneRedis()
    {
        string[][] commands =
        [
            ["CLUSTER", "INFO"], ["CLUSTER", "NODES"], ["CLUSTER", "SLOTS"], ["CLUSTER", "SHARDS"], ["CLUSTER", "MYID"],
            ["CLUSTER", "HELP"], ["CLUSTER", "KEYSLOT", "foo"], ["CLUSTER", "SETSLOT", "1", "NODE", "x"],
            ["CLUSTER", "FOO"], ["CLUSTER", "INFO", "x"], ["CLUSTER"], ["CLUSTER", "KEYSLOT"],
            ["READONLY"], ["READONLY", "x"], ["READWRITE"], ["ASKING"],
            ["MULTI"], ["READONLY"], ["CLUSTER", "INFO"], ["SET", "k", "v"], ["EXEC"],
            ["EVAL", "return redis.pcall('cluster', 'info')", "0"], ["EVAL", "return redis.pcall('asking')", "0"],
            ["EVAL", "return redis.pcall('cluster', 'reset')", "0"],
        ];
        Assert.That(Tools.DifferencesFromRedis(Server.Port, commands), Is.Empty);
    }
}
