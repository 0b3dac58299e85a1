namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Redis's geohash (geohash.c, geohash_helper.c): a position is a sorted-set score, the
/// 52-bit interleaving of 26 bits of latitude (even bits) and 26 of longitude (odd bits)
/// over longitude -180..180 and latitude ±85.05112878 (Web Mercator's limits). A search
/// covers its shape with a cell and its eight neighbours at a precision chosen from the
/// radius, and keeps the members whose haversine distance (Earth radius 6 372 797.560856 m)
/// is within it, visiting cells in Redis's order so that unsorted replies match too.
/// </summary>
internal static class GeoHash
{
    public const double LongMin = -180, LongMax = 180;
    public const double LatMin = -85.05112878, LatMax = 85.05112878;
    public const int StepMax = 26;
    private const double EarthRadius = 6372797.560856;
    private const double MercatorMax = 20037726.37;
    private const double DegToRad = Math.PI / 180.0;

    public readonly record struct Bits(ulong Value, int Step)
    {
        public bool IsZero => Value == 0 && Step == 0;
    }

    public readonly record struct Area(double LongMin, double LongMax, double LatMin, double LatMax);

    /// <summary>What a search covers: a circle (radius) or a box (width, height), in the given unit around a point.</summary>
    public struct Shape
    {
        public double Longitude, Latitude;
        public bool IsBox;
        public double Radius, Width, Height;
        public double Conversion; // meters per unit
    }

    private static ulong Interleave(uint x, uint y)
    {
        ulong result = 0;
        for (int i = 0; i < 32; i++)
        {
            result |= (ulong)((x >> i) & 1) << (2 * i);
            result |= (ulong)((y >> i) & 1) << (2 * i + 1);
        }
        return result;
    }

    /// <summary>(latitude part, longitude part) of an interleaved hash.</summary>
    private static (uint Lat, uint Long) Deinterleave(ulong bits)
    {
        uint x = 0, y = 0;
        for (int i = 0; i < 32; i++)
        {
            x |= (uint)((bits >> (2 * i)) & 1) << i;
            y |= (uint)((bits >> (2 * i + 1)) & 1) << i;
        }
        return (x, y);
    }

    /// <summary>geohashEncode over the given ranges; false outside them or outside the Mercator limits.</summary>
    public static bool TryEncode(double longitude, double latitude, int step, out Bits hash,
        double longMin = LongMin, double longMax = LongMax, double latMin = LatMin, double latMax = LatMax)
    {
        hash = default;
        if (longitude > LongMax || longitude < LongMin || latitude > LatMax || latitude < LatMin) return false;
        if (latitude < latMin || latitude > latMax || longitude < longMin || longitude > longMax) return false;
        double latOffset = (latitude - latMin) / (latMax - latMin);
        double longOffset = (longitude - longMin) / (longMax - longMin);
        latOffset *= 1UL << step;
        longOffset *= 1UL << step;
        hash = new Bits(Interleave((uint)latOffset, (uint)longOffset), step);
        return true;
    }

    /// <summary>The score GEOADD stores: the 26-step hash aligned to 52 bits.</summary>
    public static bool TryScore(double longitude, double latitude, out double score)
    {
        score = 0;
        if (!TryEncode(longitude, latitude, StepMax, out var hash)) return false;
        score = Align52(hash);
        return true;
    }

    public static ulong Align52(Bits hash) => hash.Value << (52 - hash.Step * 2);

    public static Area Decode(Bits hash)
    {
        var (lat, lon) = Deinterleave(hash.Value);
        double latScale = LatMax - LatMin, longScale = LongMax - LongMin;
        double cells = 1UL << hash.Step;
        return new Area(
            LongMin + (lon * 1.0 / cells) * longScale,
            LongMin + ((lon + 1) * 1.0 / cells) * longScale,
            LatMin + (lat * 1.0 / cells) * latScale,
            LatMin + ((lat + 1) * 1.0 / cells) * latScale);
    }

    /// <summary>The centre of a score's cell (what GEOPOS returns), clamped to the valid ranges.</summary>
    public static (double Longitude, double Latitude) DecodeScore(double score)
    {
        var area = Decode(new Bits(ToUInt64AsC(score), StepMax));
        double x = Math.Clamp((area.LongMin + area.LongMax) / 2, LongMin, LongMax);
        double y = Math.Clamp((area.LatMin + area.LatMax) / 2, LatMin, LatMax);
        return (x, y);
    }

    /// <summary>
    /// Redis's <c>(uint64_t)score</c> as x86-64 compiles it (cvttsd2si, whose out-of-range answer
    /// is 0x8000000000000000, and above 2^63 the same on score - 2^63 with the top bit flipped),
    /// so that a score no GEOADD wrote (negative, huge, infinite) decodes to Redis's position.
    /// C# saturates instead (a negative score would be 0).
    /// </summary>
    internal static ulong ToUInt64AsC(double score)
    {
        const double TwoTo63 = 9223372036854775808.0;
        const ulong Indefinite = 0x8000000000000000UL;
        static ulong Cvttsd2si(double d) => d >= -TwoTo63 && d < TwoTo63 ? (ulong)(long)d : Indefinite;
        return score >= TwoTo63 ? Cvttsd2si(score - TwoTo63) ^ Indefinite : Cvttsd2si(score);
    }

    /// <summary>GEOHASH's 11-character string: the position re-encoded over the standard ±90 latitude.</summary>
    public static string ToGeohashString(double score)
    {
        const string alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
        var (x, y) = DecodeScore(score);
        TryEncode(x, y, StepMax, out var hash, -180, 180, -90, 90);
        var chars = new char[11];
        for (int i = 0; i < 11; i++)
            chars[i] = alphabet[i == 10 ? 0 : (int)((hash.Value >> (52 - (i + 1) * 5)) & 0x1f)];
        return new string(chars);
    }

    private const ulong LongBits = 0xaaaaaaaaaaaaaaaaUL, LatBits = 0x5555555555555555UL;

    // geohash_move_x / _y: step one cell along one axis; adding through the other axis's bit
    // positions (set to ones first when going down) carries within this axis only.
    private static Bits MoveX(Bits hash, int d) => Move(hash, d, LongBits, LatBits);
    private static Bits MoveY(Bits hash, int d) => Move(hash, d, LatBits, LongBits);

    private static Bits Move(Bits hash, int d, ulong own, ulong other)
    {
        if (d == 0) return hash;
        ulong axis = hash.Value & own, rest = hash.Value & other;
        ulong zz = other >> (64 - hash.Step * 2);
        if (d > 0) axis += zz + 1;
        else
        {
            axis |= zz;
            axis -= zz + 1;
        }
        axis &= own >> (64 - hash.Step * 2);
        return hash with { Value = axis | rest };
    }

    private static int EstimateSteps(double rangeMeters, double latitude)
    {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (latitude > 66 || latitude < -66)
        {
            step--;
            if (latitude > 80 || latitude < -80) step--;
        }
        return Math.Clamp(step, 1, 26);
    }

    /// <summary>
    /// The cells to scan, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), unneeded ones zero
    /// (geohashCalculateAreasByShapeWGS84).
    /// </summary>
    public static Bits[] CellsFor(in Shape shape)
    {
        double height = shape.Conversion * (shape.IsBox ? shape.Height / 2 : shape.Radius);
        double width = shape.Conversion * (shape.IsBox ? shape.Width / 2 : shape.Radius);
        double latDelta = height / EarthRadius / DegToRad;
        double longDeltaTop = width / EarthRadius / Math.Cos((shape.Latitude + latDelta) * DegToRad) / DegToRad;
        double longDeltaBottom = width / EarthRadius / Math.Cos((shape.Latitude - latDelta) * DegToRad) / DegToRad;
        bool southern = shape.Latitude < 0;
        double minLon = southern ? shape.Longitude - longDeltaBottom : shape.Longitude - longDeltaTop;
        double maxLon = southern ? shape.Longitude + longDeltaBottom : shape.Longitude + longDeltaTop;
        double minLat = shape.Latitude - latDelta, maxLat = shape.Latitude + latDelta;

        double radiusMeters = shape.IsBox
            ? Math.Sqrt((shape.Width / 2) * (shape.Width / 2) + (shape.Height / 2) * (shape.Height / 2))
            : shape.Radius;
        radiusMeters *= shape.Conversion;
        int steps = EstimateSteps(radiusMeters, shape.Latitude);
        TryEncode(shape.Longitude, shape.Latitude, steps, out var hash);
        var cells = Neighbours(hash);
        var area = Decode(hash);

        // A neighbour too close to the search area to cover it: one step coarser.
        bool decrease = Decode(cells[1]).LatMax < maxLat || Decode(cells[2]).LatMin > minLat ||
                        Decode(cells[3]).LongMax < maxLon || Decode(cells[4]).LongMin > minLon;
        if (steps > 1 && decrease)
        {
            steps--;
            TryEncode(shape.Longitude, shape.Latitude, steps, out hash);
            cells = Neighbours(hash);
            area = Decode(hash);
        }
        if (steps >= 2)
        {
            if (area.LatMin < minLat) cells[2] = cells[8] = cells[7] = default;
            if (area.LatMax > maxLat) cells[1] = cells[5] = cells[6] = default;
            if (area.LongMin < minLon) cells[4] = cells[8] = cells[6] = default;
            if (area.LongMax > maxLon) cells[3] = cells[7] = cells[5] = default;
        }
        return cells;
    }

    // centre, north, south, east, west, north-east, north-west, south-east, south-west
    private static Bits[] Neighbours(Bits hash) =>
    [
        hash,
        MoveY(hash, 1),
        MoveY(hash, -1),
        MoveX(hash, 1),
        MoveX(hash, -1),
        MoveY(MoveX(hash, 1), 1),
        MoveY(MoveX(hash, -1), 1),
        MoveY(MoveX(hash, 1), -1),
        MoveY(MoveX(hash, -1), -1),
    ];

    /// <summary>Haversine distance in meters (Redis 7.0's geohashGetDistance).</summary>
    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        double lat1r = lat1 * DegToRad, lon1r = lon1 * DegToRad, lat2r = lat2 * DegToRad, lon2r = lon2 * DegToRad;
        double u = Math.Sin((lat2r - lat1r) / 2);
        double v = Math.Sin((lon2r - lon1r) / 2);
        return 2.0 * EarthRadius * Math.Asin(Math.Sqrt(u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v));
    }

    /// <summary>Whether a point lies in the shape, and its distance from the centre in meters.</summary>
    public static bool Contains(in Shape shape, double longitude, double latitude, out double distance)
    {
        if (!shape.IsBox)
        {
            distance = Distance(shape.Longitude, shape.Latitude, longitude, latitude);
            return distance <= shape.Radius * shape.Conversion;
        }
        distance = 0;
        double lonDistance = Distance(longitude, latitude, shape.Longitude, latitude);
        double latDistance = Distance(longitude, latitude, longitude, shape.Latitude);
        if (lonDistance > shape.Width * shape.Conversion / 2 || latDistance > shape.Height * shape.Conversion / 2) return false;
        distance = Distance(shape.Longitude, shape.Latitude, longitude, latitude);
        return true;
    }
}
