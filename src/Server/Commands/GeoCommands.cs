using System.Globalization;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>
/// Geospatial commands (Redis's geo.c) over sorted sets whose scores are
/// <see cref="GeoHash"/> positions: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH,
/// GEOSEARCHSTORE and the older GEORADIUS family. Positions, distances and result order are
/// computed as Redis 7.0 computes them (Commands/DifferentialTests compares the replies with
/// redis-server's). All are deterministic, so the writes are logged as received.
/// </summary>
internal static class GeoCommands
{
    private const string InvalidUnit = "ERR unsupported unit provided. please use M, KM, FT, MI";

    private static bool TryLongLat(ClientSession c, int arg, out double longitude, out double latitude)
    {
        latitude = 0;
        if (!c.TryDouble(arg, out longitude) || !c.TryDouble(arg + 1, out latitude)) return false;
        if (longitude < GeoHash.LongMin || longitude > GeoHash.LongMax || latitude < GeoHash.LatMin || latitude > GeoHash.LatMax)
        {
            c.Reply.Error(string.Create(CultureInfo.InvariantCulture, $"ERR invalid longitude,latitude pair {longitude:F6},{latitude:F6}"));
            return false;
        }
        return true;
    }

    private static bool TryUnit(ClientSession c, int arg, out double metersPerUnit)
    {
        metersPerUnit = c.ArgIs(arg, "M"u8) ? 1 : c.ArgIs(arg, "KM"u8) ? 1000 : c.ArgIs(arg, "FT"u8) ? 0.3048 : c.ArgIs(arg, "MI"u8) ? 1609.34 : -1;
        if (metersPerUnit > 0) return true;
        c.Reply.Error(InvalidUnit);
        return false;
    }

    private static bool TryDouble(ClientSession c, int arg, string error, out double value)
    {
        if (RespNumber.TryParseDouble(c.Request.Arg(arg), out value)) return true;
        c.Reply.Error(error);
        return false;
    }

    /// <summary>"%.4f", as Redis writes distances.</summary>
    private static void Distance(ClientSession c, double d) => c.Reply.Bulk(d.ToString("F4", CultureInfo.InvariantCulture));

    /// <summary>Redis's addReplyHumanLongDouble: "%.17Lf" without trailing zeros; a RESP3 double.</summary>
    private static void Coordinate(ClientSession c, double d)
    {
        var s = d.ToString("F17", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        if (s == "-0") s = "0";
        if (c.Reply.IsResp3) c.Reply.Raw(System.Text.Encoding.ASCII.GetBytes("," + s + "\r\n"));
        else c.Reply.Bulk(s);
    }

    /// <summary>GEOADD key [NX | XX] [CH] longitude latitude member [...]: a ZADD of encoded positions.</summary>
    public static void GeoAdd(ClientSession c)
    {
        var req = c.Request;
        bool nx = false, xx = false, ch = false;
        int first = 2;
        for (; first < req.Count; first++)
        {
            if (c.ArgIs(first, "NX"u8)) nx = true;
            else if (c.ArgIs(first, "XX"u8)) xx = true;
            else if (c.ArgIs(first, "CH"u8)) ch = true;
            else break;
        }
        int elements = (req.Count - first) / 3;
        if ((req.Count - first) % 3 != 0 || (nx && xx) || elements == 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        var scores = new double[elements];
        for (int i = 0; i < elements; i++)
        {
            if (!TryLongLat(c, first + 3 * i, out double lon, out double lat)) return;
            GeoHash.TryScore(lon, lat, out scores[i]);
        }
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        if (zset == null)
        {
            if (xx)
            {
                c.Reply.Integer(0);
                return;
            }
            zset = new ZSetObject(req.Arg(1).ToArray(), c.Server.Random, c.Server.Config.Encoding);
            c.Db.Add(zset, c.NowMs);
        }
        long added = 0, changed = 0;
        for (int i = 0; i < elements; i++)
        {
            var member = req.Arg(first + 3 * i + 2);
            bool exists = zset.Scores.TryGetValue(member, out double current);
            if ((exists && nx) || (!exists && xx)) continue;
            if (!exists) added++;
            else if (current != scores[i]) changed++;
            else continue;
            zset.Set(member, scores[i]);
        }
        if (zset.Count == 0) c.Db.Remove(zset);
        else if (added + changed > 0) c.Changed(zset, zset.Count, NotifyClass.ZSet, "zadd");
        c.Reply.Integer(ch ? added + changed : added);
    }

    /// <summary>GEODIST key member1 member2 [M | KM | FT | MI]</summary>
    public static void GeoDist(ClientSession c)
    {
        var req = c.Request;
        double unit = 1;
        if (req.Count == 5)
        {
            if (!TryUnit(c, 4, out unit)) return;
        }
        else if (req.Count > 5)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        if (zset == null || !zset.Scores.TryGetValue(req.Arg(2), out double s1) || !zset.Scores.TryGetValue(req.Arg(3), out double s2))
        {
            c.Reply.Null();
            return;
        }
        var (x1, y1) = GeoHash.DecodeScore(s1);
        var (x2, y2) = GeoHash.DecodeScore(s2);
        Distance(c, GeoHash.Distance(x1, y1, x2, y2) / unit);
    }

    /// <summary>GEOHASH key [member ...]: 11-character standard geohashes.</summary>
    public static void GeoHashCommand(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        c.Reply.ArrayHeader(req.Count - 2);
        for (int i = 2; i < req.Count; i++)
        {
            if (zset != null && zset.Scores.TryGetValue(req.Arg(i), out double score)) c.Reply.Bulk(GeoHash.ToGeohashString(score));
            else c.Reply.Null();
        }
    }

    /// <summary>GEOPOS key [member ...]: each position as [longitude, latitude], or a null array.</summary>
    public static void GeoPos(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        c.Reply.ArrayHeader(req.Count - 2);
        for (int i = 2; i < req.Count; i++)
        {
            if (zset == null || !zset.Scores.TryGetValue(req.Arg(i), out double score))
            {
                c.Reply.NullArray();
                continue;
            }
            var (x, y) = GeoHash.DecodeScore(score);
            c.Reply.ArrayHeader(2);
            Coordinate(c, x);
            Coordinate(c, y);
        }
    }

    [Flags]
    private enum Search { Coords = 1, Member = 2, General = 4, Store = 8, NoStore = 16 }

    public static void GeoRadius(ClientSession c) => SearchGeneric(c, 1, Search.Coords);
    public static void GeoRadiusRo(ClientSession c) => SearchGeneric(c, 1, Search.Coords | Search.NoStore);
    public static void GeoRadiusByMember(ClientSession c) => SearchGeneric(c, 1, Search.Member);
    public static void GeoRadiusByMemberRo(ClientSession c) => SearchGeneric(c, 1, Search.Member | Search.NoStore);
    public static void GeoSearch(ClientSession c) => SearchGeneric(c, 1, Search.General);
    public static void GeoSearchStore(ClientSession c) => SearchGeneric(c, 2, Search.General | Search.Store);

    private struct Point
    {
        public byte[] Member;
        public double Score, Longitude, Latitude, Distance;
    }

    /// <summary>Redis's georadiusGeneric: parse, cover the shape with cells, collect, sort, reply or store.</summary>
    private static void SearchGeneric(ClientSession c, int srcArg, Search flags)
    {
        var req = c.Request;
        if (!c.TryGetRead(req.Arg(srcArg), out ZSetObject? zset)) return;
        var shape = new GeoHash.Shape();
        int baseArgs;
        int storeArg = -1;
        bool storeDist = false;
        if ((flags & Search.Coords) != 0)
        {
            baseArgs = 6;
            if (!TryLongLat(c, 2, out shape.Longitude, out shape.Latitude) || !TryRadius(c, 4, ref shape)) return;
        }
        else if ((flags & Search.Member) != 0)
        {
            baseArgs = 5;
            if (zset != null)
            {
                if (!zset.Scores.TryGetValue(req.Arg(2), out double score))
                {
                    c.Reply.Error("ERR could not decode requested zset member");
                    return;
                }
                (shape.Longitude, shape.Latitude) = GeoHash.DecodeScore(score);
                if (!TryRadius(c, 3, ref shape)) return;
            }
        }
        else
        {
            baseArgs = (flags & Search.Store) != 0 ? 3 : 2;
            if ((flags & Search.Store) != 0) storeArg = 1;
        }

        bool withDist = false, withHash = false, withCoord = false, fromMember = false, fromLonLat = false, byRadius = false, byBox = false, any = false;
        int sort = 0; // 0 none, 1 asc, -1 desc
        long count = 0;
        bool general = (flags & Search.General) != 0;
        int remaining = req.Count - baseArgs;
        for (int i = 0; i < remaining; i++)
        {
            int a = baseArgs + i;
            if (c.ArgIs(a, "WITHDIST"u8)) withDist = true;
            else if (c.ArgIs(a, "WITHHASH"u8)) withHash = true;
            else if (c.ArgIs(a, "WITHCOORD"u8)) withCoord = true;
            else if (c.ArgIs(a, "ANY"u8)) any = true;
            else if (c.ArgIs(a, "ASC"u8)) sort = 1;
            else if (c.ArgIs(a, "DESC"u8)) sort = -1;
            else if (c.ArgIs(a, "COUNT"u8) && i + 1 < remaining)
            {
                if (!c.TryLong(a + 1, out count)) return;
                if (count <= 0)
                {
                    c.Reply.Error("ERR COUNT must be > 0");
                    return;
                }
                i++;
            }
            else if ((c.ArgIs(a, "STORE"u8) || c.ArgIs(a, "STOREDIST"u8)) && i + 1 < remaining && (flags & (Search.NoStore | Search.General)) == 0)
            {
                storeDist = c.ArgIs(a, "STOREDIST"u8);
                storeArg = a + 1;
                i++;
            }
            else if (c.ArgIs(a, "STOREDIST"u8) && (flags & Search.Store) != 0) storeDist = true;
            else if (c.ArgIs(a, "FROMMEMBER"u8) && i + 1 < remaining && general && !fromLonLat)
            {
                if (zset != null)
                {
                    if (!zset.Scores.TryGetValue(req.Arg(a + 1), out double score))
                    {
                        c.Reply.Error("ERR could not decode requested zset member");
                        return;
                    }
                    (shape.Longitude, shape.Latitude) = GeoHash.DecodeScore(score);
                }
                fromMember = true;
                i++;
            }
            else if (c.ArgIs(a, "FROMLONLAT"u8) && i + 2 < remaining && general && !fromMember)
            {
                if (!TryLongLat(c, a + 1, out shape.Longitude, out shape.Latitude)) return;
                fromLonLat = true;
                i += 2;
            }
            else if (c.ArgIs(a, "BYRADIUS"u8) && i + 2 < remaining && general && !byBox)
            {
                if (!TryRadius(c, a + 1, ref shape)) return;
                byRadius = true;
                i += 2;
            }
            else if (c.ArgIs(a, "BYBOX"u8) && i + 3 < remaining && general && !byRadius)
            {
                if (!TryDouble(c, a + 1, "ERR need numeric width", out shape.Width) ||
                    !TryDouble(c, a + 2, "ERR need numeric height", out shape.Height)) return;
                if (shape.Width < 0 || shape.Height < 0)
                {
                    c.Reply.Error("ERR height or width cannot be negative");
                    return;
                }
                if (!TryUnit(c, a + 3, out shape.Conversion)) return;
                shape.IsBox = true;
                byBox = true;
                i += 3;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        string name = c.ArgString(0);
        if (storeArg >= 0 && (withDist || withHash || withCoord))
        {
            c.Reply.Error((flags & Search.Store) != 0
                ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            return;
        }
        if (general && !(fromMember || fromLonLat))
        {
            c.Reply.Error($"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}");
            return;
        }
        if (general && !(byRadius || byBox))
        {
            c.Reply.Error($"ERR exactly one of BYRADIUS and BYBOX can be specified for {name}");
            return;
        }
        if (any && count == 0)
        {
            c.Reply.Error("ERR the ANY argument requires COUNT argument");
            return;
        }
        if (zset == null)
        {
            if (storeArg >= 0)
            {
                if (c.Db.Lookup(req.Arg(storeArg), c.NowMs, touch: false) is { } gone)
                {
                    c.Db.Remove(gone);
                    StoreTouched(c, storeArg);
                    c.Notify(NotifyClass.Generic, "del", req.Arg(storeArg));
                }
                else c.KeysTouchedByHandler = true; // nothing stored over nothing: no change
                c.Reply.Integer(0);
            }
            else c.Reply.ArrayHeader(0);
            return;
        }
        if (count != 0 && sort == 0 && !any) sort = 1;

        var points = Collect(zset, shape, any ? count : 0);
        if (points.Count == 0 && storeArg < 0)
        {
            c.Reply.ArrayHeader(0);
            return;
        }
        int returned = count == 0 || points.Count < count ? points.Count : (int)count;
        if (sort != 0 && returned < points.Count)
        {
            // As Redis: a partial, unstable quicksort when COUNT leaves some out (ties land as its swaps put them).
            var array = points.ToArray();
            Comparison<Point> byDistance = sort > 0 ? (a, b) => a.Distance.CompareTo(b.Distance) : (a, b) => b.Distance.CompareTo(a.Distance);
            PartialQuickSort.Sort(array, byDistance, 0, returned - 1);
            points = [.. array];
        }
        // Stable, as glibc's qsort (a merge sort) is for Redis: equal distances keep the order found.
        else if (sort > 0) points = [.. points.OrderBy(p => p.Distance)];
        else if (sort < 0) points = [.. points.OrderByDescending(p => p.Distance)];

        if (storeArg < 0)
        {
            int options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
            c.Reply.ArrayHeader(returned);
            for (int i = 0; i < returned; i++)
            {
                var p = points[i];
                if (options > 0) c.Reply.ArrayHeader(options + 1);
                c.Reply.Bulk(p.Member);
                if (withDist) Distance(c, p.Distance / shape.Conversion);
                if (withHash) c.Reply.Integer((long)p.Score);
                if (withCoord)
                {
                    c.Reply.ArrayHeader(2);
                    Coordinate(c, p.Longitude);
                    Coordinate(c, p.Latitude);
                }
            }
            return;
        }

        var storeKey = req.Arg(storeArg);
        var existing = c.Db.Lookup(storeKey, c.NowMs, touch: false);
        if (returned > 0)
        {
            var stored = new ZSetObject(storeKey.ToArray(), c.Server.Random, c.Server.Config.Encoding);
            for (int i = 0; i < returned; i++)
                stored.Set(points[i].Member, storeDist ? points[i].Distance / shape.Conversion : points[i].Score);
            if (existing != null) c.Db.Overwrite(existing, stored, c.NowMs);
            else c.Db.Add(stored, c.NowMs);
            c.Notify(NotifyClass.ZSet, (flags & Search.General) != 0 ? "geosearchstore" : "georadiusstore", storeKey);
        }
        else if (existing != null)
        {
            c.Db.Remove(existing);
            c.Notify(NotifyClass.Generic, "del", storeKey);
        }
        if (returned > 0 || existing != null) StoreTouched(c, storeArg);
        else c.KeysTouchedByHandler = true; // nothing stored over nothing: no change
        c.Reply.Integer(returned);
    }

    /// <summary>The destination changed, not the source (Redis signals the stored key only).</summary>
    private static void StoreTouched(ClientSession c, int storeArg)
    {
        c.KeysTouchedByHandler = true;
        c.Server.Watches.Touch(c.Db, c.Request.Arg(storeArg), c);
    }

    private static bool TryRadius(ClientSession c, int arg, ref GeoHash.Shape shape)
    {
        if (!TryDouble(c, arg, "ERR need numeric radius", out shape.Radius)) return false;
        if (shape.Radius < 0)
        {
            c.Reply.Error("ERR radius cannot be negative");
            return false;
        }
        shape.IsBox = false;
        return TryUnit(c, arg + 1, out shape.Conversion);
    }

    /// <summary>
    /// The members inside the shape, cell by cell in Redis's order and by score within a cell
    /// (a cell repeated from the one before is skipped); with <paramref name="limit"/> (ANY),
    /// stops as soon as that many were found.
    /// </summary>
    private static List<Point> Collect(ZSetObject zset, in GeoHash.Shape shape, long limit)
    {
        var points = new List<Point>();
        var cells = GeoHash.CellsFor(shape);
        int lastProcessed = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            if (lastProcessed != 0 && cells[i] == cells[lastProcessed]) continue;
            ulong min = GeoHash.Align52(cells[i]);
            ulong max = GeoHash.Align52(cells[i] with { Value = cells[i].Value + 1 });
            var range = new ScoreRange(min, max, MinExclusive: false, MaxExclusive: true);
            for (var node = zset.List.FirstInRange(range); node != null && range.BelowMax(node.Score); node = node.Next)
            {
                var (x, y) = GeoHash.DecodeScore(node.Score);
                if (!GeoHash.Contains(shape, x, y, out double distance)) continue;
                points.Add(new Point { Member = node.Member, Score = node.Score, Longitude = x, Latitude = y, Distance = distance });
                if (limit != 0 && points.Count >= limit) return points;
            }
            lastProcessed = i;
        }
        return points;
    }
}
