using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// IDistributedCache through Microsoft.Extensions.Caching.StackExchangeRedis, unmodified:
/// the way most .NET applications would meet this server.
/// </summary>
[TestFixture]
public class DistributedCacheTests : ServerFixture
{
    private RedisCache _cache = null!;

    [OneTimeSetUp]
    public void CreateCache() => _cache = new RedisCache(new RedisCacheOptions
    {
        Configuration = Server.EndPoint,
        InstanceName = "app:",
    });

    [OneTimeTearDown]
    public void DisposeCache() => _cache.Dispose();

    private static string Key() => Guid.NewGuid().ToString("N");

    [Test]
    public async Task SetGetRemoveAndTheStoredLayout()
    {
        var key = Key();
        await _cache.SetStringAsync(key, "hello", new DistributedCacheEntryOptions());
        Assert.That(await _cache.GetStringAsync(key), Is.EqualTo("hello"));
        Assert.That(_cache.Get(key), Is.EqualTo(Encoding.UTF8.GetBytes("hello")), "the synchronous API too");
        using var raw = Server.Raw();
        Assert.That(raw.Call("TYPE", "app:" + key), Is.EqualTo("+hash"), "stored as Redis's cache stores it: a hash");
        Assert.That(raw.Call("HGET", "app:" + key, "data"), Is.EqualTo("$hello"));
        await _cache.RemoveAsync(key);
        Assert.That(await _cache.GetAsync(key), Is.Null);
        Assert.That(raw.Call("EXISTS", "app:" + key), Is.EqualTo(":0"));
    }

    [Test]
    public async Task AbsoluteExpiryRemovesTheEntry()
    {
        var key = Key();
        await _cache.SetStringAsync(key, "short-lived", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        Assert.That(await _cache.GetStringAsync(key), Is.EqualTo("short-lived"));
        using var raw = Server.Raw();
        Assert.That(long.Parse(raw.Call("PTTL", "app:" + key)[1..]), Is.InRange(1, 1000), "the server holds the TTL");
        await Task.Delay(1300);
        Assert.That(await _cache.GetStringAsync(key), Is.Null);
    }

    [Test]
    public async Task SlidingExpiryIsExtendedByReadsAndByRefresh()
    {
        var key = Key();
        await _cache.SetStringAsync(key, "sliding", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMilliseconds(1500) });
        for (int i = 0; i < 4; i++)
        {
            await Task.Delay(600);
            if (i % 2 == 0) Assert.That(await _cache.GetStringAsync(key), Is.EqualTo("sliding"), "a read slides the expiry");
            else await _cache.RefreshAsync(key);
        }
        // 2.4 s after the set, past the 1.5 s window, but every access extended it.
        Assert.That(await _cache.GetStringAsync(key), Is.EqualTo("sliding"));
        await Task.Delay(1800);
        Assert.That(await _cache.GetStringAsync(key), Is.Null, "left alone, it expires");
    }

    [Test]
    public async Task SlidingExpiryNeverOutlivesTheAbsoluteOne()
    {
        var key = Key();
        await _cache.SetStringAsync(key, "both", new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(1200),
        });
        await Task.Delay(600);
        await _cache.RefreshAsync(key);
        Assert.That(await _cache.GetStringAsync(key), Is.EqualTo("both"));
        await Task.Delay(900);
        Assert.That(await _cache.GetStringAsync(key), Is.Null);
    }

    [Test]
    public async Task EntriesSurviveARestart()
    {
        await using var server = await ServerInstance.StartAsync();
        var key = Key();
        using (var cache = new RedisCache(new RedisCacheOptions { Configuration = server.EndPoint }))
            await cache.SetStringAsync(key, "durable", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) });
        await server.RestartAsync();
        using var again = new RedisCache(new RedisCacheOptions { Configuration = server.EndPoint });
        Assert.That(await again.GetStringAsync(key), Is.EqualTo("durable"));
    }
}
