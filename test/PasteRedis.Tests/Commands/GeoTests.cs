namespace PasteRedis.Tests.Commands;

/// <summary>
/// The geospatial commands through StackExchange.Redis (GeoAdd, GeoDistance, GeoPosition,
/// GeoHash, GeoSearch, GeoSearchAndStore, GeoRadius). Every reply form, with Redis's
/// digits, is held to redis-server by the differential corpus; replay is in RecoveryTests.
/// </summary>
[TestFixture]
public class GeoTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private static string Key() => "geo:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task AddMeasureAndSearchThroughStackExchangeRedis()
    {
        var db = Mux.GetDatabase();
        string key = Key(), stored = Key();
        Assert.That(await db.GeoAddAsync(key, [
            new GeoEntry(13.361389, 38.115556, "Palermo"),
            new GeoEntry(15.087269, 37.502669, "Catania"),
            new GeoEntry(2.352222, 48.856613, "Paris"),
        ]), Is.EqualTo(3));
        Assert.That(await db.GeoAddAsync(key, 13.361389, 38.115556, "Palermo"), Is.False, "already there");
        Assert.That(await db.GeoDistanceAsync(key, "Palermo", "Catania", GeoUnit.Kilometers), Is.EqualTo(166.2742).Within(0.00005));
        Assert.That(await db.GeoDistanceAsync(key, "Palermo", "Nowhere"), Is.Null);
        var pos = await db.GeoPositionAsync(key, "Palermo");
        Assert.That(pos!.Value.Longitude, Is.EqualTo(13.361389).Within(0.00001));
        Assert.That(pos.Value.Latitude, Is.EqualTo(38.115556).Within(0.00001));
        Assert.That(await db.GeoHashAsync(key, "Palermo"), Is.EqualTo("sqc8b49rny0"));

        var near = await db.GeoSearchAsync(key, 15, 37, new GeoSearchCircle(200, GeoUnit.Kilometers), order: Order.Ascending,
            options: GeoRadiusOptions.WithDistance | GeoRadiusOptions.WithCoordinates);
        Assert.That(near.Select(r => (string?)r.Member), Is.EqualTo(new[] { "Catania", "Palermo" }));
        Assert.That(near[0].Distance, Is.EqualTo(56.4413).Within(0.00005));
        var box = await db.GeoSearchAsync(key, "Paris", new GeoSearchBox(3000, 3000, GeoUnit.Kilometers), order: Order.Descending);
        Assert.That(box.Select(r => (string?)r.Member), Is.EqualTo(new[] { "Palermo", "Catania", "Paris" }).Or.EqualTo(new[] { "Catania", "Palermo", "Paris" }));
        Assert.That(box[^1].Member.ToString(), Is.EqualTo("Paris"));
        Assert.That(await db.GeoSearchAndStoreAsync(key, stored, "Palermo", new GeoSearchCircle(300, GeoUnit.Kilometers), storeDistances: true), Is.EqualTo(2));
        Assert.That(await db.SortedSetScoreAsync(stored, "Catania"), Is.EqualTo(166.2742).Within(0.0001), "STOREDIST keeps the distance in the unit");
        var radius = await db.GeoRadiusAsync(key, "Catania", 200, GeoUnit.Kilometers);
        Assert.That(radius.Select(r => (string?)r.Member), Is.EquivalentTo(new[] { "Catania", "Palermo" }));
        Assert.That(await db.GeoRemoveAsync(key, "Paris"), Is.True, "GEOREM is ZREM");
        Assert.That(await db.SortedSetLengthAsync(key), Is.EqualTo(2));
    }
    /// <summary>
    /// With COUNT below the number of matches Redis sorts with its partial quicksort, which
    /// is not stable: which of several points at one distance comes first follows its swaps
    /// (the randomized differential test's seed 17). Many ties, many counts, both orders,
    /// against the real redis-server.
    /// </summary>
    [Test]
    public void CountAmongEqualDistancesPicksThePointsRedisPicks()
    {
        var dir = Directory.CreateTempSubdirectory("redis-geo-count").FullName;
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            using var real = new RawClient(port);
            using var ours = Server.Raw();
            var rnd = new Random(5);
            var differences = new List<string>();
            for (int trial = 0; trial < 60; trial++)
            {
                var key = "geo-ties:" + trial;
                int n = new[] { 5, 8, 12, 30, 45, 60, 100, 150 }[rnd.Next(8)];
                var spots = Enumerable.Range(0, rnd.Next(1, 7)).Select(_ => (Lon: 13.36 + new[] { 0, 0, 0.01, 0.02, 0.05 }[rnd.Next(5)], Lat: 38.11 + new[] { 0, 0, 0.01, 0.03 }[rnd.Next(4)])).ToList();
                var add = new List<string> { "GEOADD", key };
                for (int i = 0; i < n; i++)
                {
                    var (lon, lat) = spots[rnd.Next(spots.Count)];
                    add.AddRange([lon.ToString(System.Globalization.CultureInfo.InvariantCulture), lat.ToString(System.Globalization.CultureInfo.InvariantCulture), "m" + i]);
                }
                Assert.That(real.Call([.. add]), Is.EqualTo(ours.Call([.. add])));
                for (int q = 0; q < 5; q++)
                {
                    string[] search = ["GEOSEARCH", key, "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "50", "km", "COUNT", rnd.Next(1, n + 1).ToString(), rnd.Next(2) == 0 ? "ASC" : "DESC"];
                    var (theirs, mine) = (real.Call(search), ours.Call(search));
                    if (theirs != mine) differences.Add($"{string.Join(' ', search)}\n  redis {theirs}\n  ours  {mine}");
                }
            }
            Assert.That(differences, Is.Empty);
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }
}
