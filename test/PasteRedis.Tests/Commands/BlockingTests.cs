using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Commands;

/// <summary>BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX across connections: woken by pushes, in arrival order, with timeouts.</summary>
[TestFixture(RedisProtocol.Resp2)]
[TestFixture(RedisProtocol.Resp3)]
public class BlockingTests(RedisProtocol protocol) : ServerFixture
{
    private string NullArray => protocol == RedisProtocol.Resp3 ? "_" : "*nil";
    private string Score(string s) => protocol == RedisProtocol.Resp3 ? "," + s : "$" + s;

    private RawClient Client()
    {
        var raw = Server.Raw();
        if (protocol == RedisProtocol.Resp3) Assert.That(raw.Call("HELLO", "3"), Does.StartWith("%"));
        return raw;
    }

    private static string Key() => "b:" + Guid.NewGuid().ToString("N");

    /// <summary>Waits until the server reports <paramref name="n"/> blocked clients (so the order of blocking is known).</summary>
    private void WaitBlocked(RawClient observer, int n)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (int.Parse(Regex.Match(observer.Call("INFO", "clients"), @"blocked_clients:(\d+)").Groups[1].Value) != n)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"expected {n} blocked clients");
            Thread.Sleep(5);
        }
    }

    [Test]
    public void PushFromAnotherConnectionWakesTheFirstBlockedClientFirst()
    {
        using var first = Client();
        using var second = Client();
        using var pusher = Client();
        var (k1, k2) = (Key(), Key());
        first.Send(RawClient.Command("BLPOP", k1, k2, "5"));
        WaitBlocked(pusher, 1);
        second.Send(RawClient.Command("BRPOP", k2, "5"));
        WaitBlocked(pusher, 2);
        Assert.That(pusher.Call("CLIENT", "LIST"), Does.Contain("flags=b "));
        Assert.That(pusher.Call("RPUSH", k2, "x"), Is.EqualTo(":1"), "the push itself sees the element");
        Assert.That(first.ReadReply(), Is.EqualTo($"*[${k2},$x]"));
        Assert.That(pusher.Call("LLEN", k2), Is.EqualTo(":0"), "served before any other command ran");
        WaitBlocked(pusher, 1);
        Assert.That(pusher.Call("RPUSH", k2, "y", "z"), Is.EqualTo(":2"));
        Assert.That(second.ReadReply(), Is.EqualTo($"*[${k2},$z]"));
        Assert.That(pusher.Call("LRANGE", k2, "0", "-1"), Is.EqualTo("*[$y]"));
        WaitBlocked(pusher, 0);
    }

    [Test]
    public void TimeoutsAnswerNullAndCommandsBehindABlockedOneWait()
    {
        using var c = Client();
        var k = Key();
        Assert.That(c.Call("BLPOP", k, "0.05"), Is.EqualTo(NullArray));
        Assert.That(c.Call("BZPOPMAX", k, "0.05"), Is.EqualTo(NullArray));
        // A timeout is a null array for the moving pops too, as the real redis-server answers (DifferentialTests).
        Assert.That(c.Call("BLMOVE", k, k, "LEFT", "RIGHT", "0.05"), Is.EqualTo(NullArray));
        Assert.That(c.Call("BRPOPLPUSH", k, k, "0.05"), Is.EqualTo(NullArray));
        Assert.That(c.Call("BLPOP", k, "-1"), Is.EqualTo("-ERR timeout is negative"));
        Assert.That(c.Call("BLPOP", k, "soon"), Is.EqualTo("-ERR timeout is not a float or out of range"));
        c.Call("SET", k, "string");
        Assert.That(c.Call("BLPOP", k, "1"), Does.StartWith("-WRONGTYPE"));

        // A pipelined PING behind a BLPOP is answered only after the BLPOP is served.
        var l = Key();
        using var pusher = Client();
        c.Send([.. RawClient.Command("BLPOP", l, "5"), .. RawClient.Command("PING")]);
        WaitBlocked(pusher, 1);
        pusher.Call("LPUSH", l, "v");
        Assert.That(c.ReadReply(), Is.EqualTo($"*[${l},$v]"));
        Assert.That(c.ReadReply(), Is.EqualTo("+PONG"));
    }

    [Test]
    public void BlockingMoveChainsIntoAnotherBlockedClient()
    {
        using var mover = Client();
        using var popper = Client();
        using var pusher = Client();
        var (src, dst) = (Key(), Key());
        mover.Send(RawClient.Command("BLMOVE", src, dst, "RIGHT", "LEFT", "5"));
        WaitBlocked(pusher, 1);
        popper.Send(RawClient.Command("BLPOP", dst, "5"));
        WaitBlocked(pusher, 2);
        pusher.Call("RPUSH", src, "hop");
        Assert.That(mover.ReadReply(), Is.EqualTo("$hop"));
        Assert.That(popper.ReadReply(), Is.EqualTo($"*[${dst},$hop]"), "the moved element made the destination ready");
        Assert.That(pusher.Call("EXISTS", src, dst), Is.EqualTo(":0"));
    }

    [Test]
    public void SortedSetPopsBlockUntilAMemberArrives()
    {
        using var min = Client();
        using var max = Client();
        using var adder = Client();
        var z = Key();
        min.Send(RawClient.Command("BZPOPMIN", Key(), z, "5"));
        WaitBlocked(adder, 1);
        max.Send(RawClient.Command("BZPOPMAX", z, "5"));
        WaitBlocked(adder, 2);
        Assert.That(adder.Call("ZADD", z, "1", "one", "2", "two", "3", "three"), Is.EqualTo(":3"));
        Assert.That(min.ReadReply(), Is.EqualTo($"*[${z},$one,{Score("1")}]"));
        Assert.That(max.ReadReply(), Is.EqualTo($"*[${z},$three,{Score("3")}]"));
        Assert.That(adder.Call("ZRANGE", z, "0", "-1"), Is.EqualTo("*[$two]"));
    }

    [Test]
    public void AClientThatLeavesWhileBlockedTakesNothing()
    {
        var k = Key();
        using var observer = Client();
        using (var gone = Client())
        {
            gone.Send(RawClient.Command("BLPOP", k, "0"));
            WaitBlocked(observer, 1);
        }
        WaitBlocked(observer, 0);
        observer.Call("RPUSH", k, "kept");
        Assert.That(observer.Call("LRANGE", k, "0", "-1"), Is.EqualTo("*[$kept]"));

        // A key of another type does not serve a list waiter; a list created later does.
        using var waiter = Client();
        waiter.Send(RawClient.Command("BLPOP", k + "x", "5"));
        WaitBlocked(observer, 1);
        observer.Call("SET", k + "x", "not a list");
        Thread.Sleep(50);
        WaitBlocked(observer, 1);
        observer.Call("DEL", k + "x");
        observer.Call("LPUSH", k + "x", "now");
        Assert.That(waiter.ReadReply(), Is.EqualTo($"*[${k}x,$now]"));
    }

    [Test]
    public async Task ServedPopsAreLoggedAndSurviveARestart()
    {
        await using var server = await ServerInstance.StartAsync();
        var k = Key();
        using (var waiter = server.Raw())
        using (var pusher = server.Raw())
        {
            waiter.Send(RawClient.Command("BLPOP", k, "5"));
            WaitBlocked(pusher, 1);
            pusher.Call("RPUSH", k, "a", "b", "c");
            Assert.That(waiter.ReadReply(), Is.EqualTo($"*[${k},$a]"));
            Assert.That(waiter.Call("BRPOP", k, "1"), Is.EqualTo($"*[${k},$c]"));
        }
        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(after.Call("LRANGE", k, "0", "-1"), Is.EqualTo("*[$b]"));
    }

    [Test]
    public void ClientUnblockEndsABlockAsItsTimeoutOrWithAnError()
    {
        using var blocked = Server.Raw();
        using var admin = Server.Raw();
        var id = blocked.Call("CLIENT", "ID")[1..];
        blocked.Send(RawClient.Command("BLPOP", "unblock:" + Guid.NewGuid().ToString("N"), "0"));
        Thread.Sleep(150);
        Assert.That(admin.Call("CLIENT", "UNBLOCK", id), Is.EqualTo(":1"));
        Assert.That(blocked.ReadReply(), Is.EqualTo("*nil"), "as a timeout");
        Assert.That(admin.Call("CLIENT", "UNBLOCK", id), Is.EqualTo(":0"), "no longer blocked");
        blocked.Send(RawClient.Command("WAIT", "1", "0"));
        Thread.Sleep(150);
        Assert.That(admin.Call("CLIENT", "UNBLOCK", id, "TIMEOUT"), Is.EqualTo(":1"));
        Assert.That(blocked.ReadReply(), Is.EqualTo(":0"), "WAIT's timeout reply: no replica acknowledged");
        blocked.Send(RawClient.Command("BRPOP", "unblock:" + Guid.NewGuid().ToString("N"), "0"));
        Thread.Sleep(150);
        Assert.That(admin.Call("CLIENT", "UNBLOCK", id, "ERROR"), Is.EqualTo(":1"));
        Assert.That(blocked.ReadReply(), Is.EqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK"));
        Assert.That(blocked.Call("PING"), Is.EqualTo("+PONG"), "the connection works on");
    }
}
