namespace PasteRedis.Tests.Commands;

/// <summary>
/// CLIENT TRACKING (client-side caching): who gets an "invalidate" message, in which form,
/// and when: default mode (keys read, forgotten once invalidated), NOLOOP, OPTIN with
/// CLIENT CACHING, BCAST prefixes, RESP2 redirection to a __redis__:invalidate subscriber,
/// a broken redirection, FLUSHALL, and an expiry.
/// </summary>
[TestFixture]
public class TrackingTests : ServerFixture
{
    private static string Key() => "tr:" + Guid.NewGuid().ToString("N");

    private RawClient Resp3()
    {
        var raw = Server.Raw();
        Assert.That(raw.Call("HELLO", "3"), Does.StartWith("%"));
        return raw;
    }

    private static void Quiet(RawClient raw, string because)
    {
        Thread.Sleep(150);
        Assert.That(raw.Available, Is.Zero, because);
    }

    [Test]
    public void DefaultModeInvalidatesWhatWasReadOnce()
    {
        using var reader = Resp3();
        using var writer = Server.Raw();
        string k = Key(), other = Key();
        Assert.That(reader.Call("CLIENT", "TRACKING", "on"), Is.EqualTo("+OK"));
        Assert.That(reader.Call("GET", k), Is.EqualTo("_"));
        Assert.That(writer.Call("SET", other, "x"), Is.EqualTo("+OK"));
        Quiet(reader, "a key it never read changed");
        Assert.That(writer.Call("SET", k, "1"), Is.EqualTo("+OK"));
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${k}]]"));
        Assert.That(writer.Call("SET", k, "2"), Is.EqualTo("+OK"));
        Quiet(reader, "forgotten once invalidated, until read again");
        Assert.That(reader.Call("MGET", k, other), Is.EqualTo("*[$2,$x]"));
        Assert.That(writer.Call("DEL", other), Is.EqualTo(":1"));
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${other}]]"));
        // Its own write invalidates too (after the reply), unless NOLOOP.
        Assert.That(reader.Call("SET", k, "3"), Is.EqualTo("+OK"));
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${k}]]"), "MGET read k");
        Assert.That(reader.Call("SET", k, "4"), Is.EqualTo("+OK"));
        Quiet(reader, "it had not read k since");
        Assert.That(reader.Call("CLIENT", "TRACKING", "on", "NOLOOP"), Is.EqualTo("+OK"));
        Assert.That(reader.Call("GET", k), Is.EqualTo("$4"));
        Assert.That(reader.Call("SET", k, "5"), Is.EqualTo("+OK"));
        Quiet(reader, "NOLOOP: not for its own writes");
        Assert.That(reader.Call("CLIENT", "TRACKINGINFO"), Is.EqualTo("%[$flags,~[$on,$noloop],$redirect,:0,$prefixes,*[]]"));
        Assert.That(reader.Call("INFO", "clients"), Does.Match(@"tracking_clients:[1-9]"));
        Assert.That(reader.Call("CLIENT", "TRACKING", "off"), Is.EqualTo("+OK"));
        Assert.That(reader.Call("CLIENT", "GETREDIR"), Is.EqualTo(":-1"));
    }

    [Test]
    public void ReadsWithMovableKeysAreRememberedToo()
    {
        using var reader = Resp3();
        using var writer = Server.Raw();
        string z1 = Key(), z2 = Key(), stream = Key();
        writer.Call("ZADD", z1, "1", "a");
        writer.Call("XADD", stream, "1-1", "f", "v");
        Assert.That(reader.Call("CLIENT", "TRACKING", "on"), Is.EqualTo("+OK"));
        reader.Call("ZUNION", "2", z1, z2);
        reader.Call("XREAD", "STREAMS", stream, "0");
        writer.Call("ZADD", z2, "2", "b");
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${z2}]]"), "ZUNION's second key");
        writer.Call("XADD", stream, "2-1", "f", "v");
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${stream}]]"), "XREAD's stream");
    }

    [Test]
    public void OptInRemembersOnlyAfterCachingYes()
    {
        using var reader = Resp3();
        using var writer = Server.Raw();
        string a = Key(), b = Key();
        Assert.That(reader.Call("CLIENT", "TRACKING", "on", "OPTIN"), Is.EqualTo("+OK"));
        reader.Call("GET", a);
        Assert.That(reader.Call("CLIENT", "CACHING", "yes"), Is.EqualTo("+OK"));
        reader.Call("GET", b);
        writer.Call("SET", a, "1");
        writer.Call("SET", b, "1");
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${b}]]"));
        Quiet(reader, "a was read without CLIENT CACHING yes");
        Assert.That(reader.Call("CLIENT", "CACHING", "no"), Is.EqualTo("-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
    }

    [Test]
    public void BroadcastPrefixesAndFlushAll()
    {
        using var reader = Resp3();
        using var writer = Server.Raw();
        var prefix = Key() + ":";
        Assert.That(reader.Call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", prefix), Is.EqualTo("+OK"));
        writer.Call("SET", prefix + "1", "v");
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${prefix}1]]"), "never read, but under its prefix");
        writer.Call("SET", "elsewhere:" + Key(), "v");
        Quiet(reader, "outside its prefix");
        Assert.That(reader.Call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", prefix + "x"), Does.StartWith($"-ERR Prefix '{prefix}x' overlaps with an existing prefix '{prefix}'"));
        Assert.That(writer.Call("FLUSHALL"), Is.EqualTo("+OK"));
        Assert.That(reader.ReadReply(), Is.EqualTo(">[$invalidate,_]"), "a flush invalidates everything: a null");
    }

    [Test]
    public void Resp2RedirectsToAnInvalidateSubscriberAndReportsABrokenRedirect()
    {
        using var listener = Server.Raw();
        using var tracked = Server.Raw();
        using var writer = Server.Raw();
        string k = Key();
        long listenerId = long.Parse(listener.Call("CLIENT", "ID")[1..]);
        Assert.That(listener.Call("SUBSCRIBE", "__redis__:invalidate"), Is.EqualTo("*[$subscribe,$__redis__:invalidate,:1]"));
        Assert.That(tracked.Call("CLIENT", "TRACKING", "on", "REDIRECT", listenerId.ToString()), Is.EqualTo("+OK"));
        Assert.That(tracked.Call("CLIENT", "GETREDIR"), Is.EqualTo(":" + listenerId));
        tracked.Call("GET", k);
        writer.Call("SET", k, "v");
        Assert.That(listener.ReadReply(), Is.EqualTo($"*[$message,$__redis__:invalidate,*[${k}]]"));

        // The redirect target goes away: a RESP3 tracking connection is told so.
        using var gone = Server.Raw();
        long goneId = long.Parse(gone.Call("CLIENT", "ID")[1..]);
        using var resp3 = Resp3();
        Assert.That(resp3.Call("CLIENT", "TRACKING", "on", "REDIRECT", goneId.ToString()), Is.EqualTo("+OK"));
        resp3.Call("GET", k);
        gone.Dispose();
        Thread.Sleep(200);
        writer.Call("SET", k, "w");
        Assert.That(resp3.ReadReply(), Is.EqualTo($">[$tracking-redir-broken,:{goneId}]"));
        Assert.That(resp3.Call("CLIENT", "TRACKINGINFO"), Does.Contain("$broken_redirect"));
    }

    [Test]
    public void AnExpiredKeyIsInvalidated()
    {
        using var reader = Resp3();
        using var other = Server.Raw();
        string k = Key();
        other.Call("SET", k, "v", "PX", "100");
        Assert.That(reader.Call("CLIENT", "TRACKING", "on"), Is.EqualTo("+OK"));
        Assert.That(reader.Call("GET", k), Is.EqualTo("$v"));
        Thread.Sleep(200);
        Assert.That(other.Call("GET", k), Is.EqualTo("$nil"), "expired on access");
        Assert.That(reader.ReadReply(), Is.EqualTo($">[$invalidate,*[${k}]]"));
    }
}
