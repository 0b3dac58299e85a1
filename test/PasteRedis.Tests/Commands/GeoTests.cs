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
}
