namespace PasteRedis.Server.Keyspace;

/// <summary>A score interval as ZRANGEBYSCORE takes it ("(" makes an end exclusive).</summary>
internal readonly record struct ScoreRange(double Min, double Max, bool MinExclusive, bool MaxExclusive)
{
    public bool AboveMin(double v) => MinExclusive ? v > Min : v >= Min;
    public bool BelowMax(double v) => MaxExclusive ? v < Max : v <= Max;
    public bool IsEmpty => Min > Max || (Min == Max && (MinExclusive || MaxExclusive));
}

/// <summary>A lexicographic interval as ZRANGEBYLEX takes it: "-" and "+" are the infinities.</summary>
internal readonly record struct LexRange(byte[] Min, byte[] Max, bool MinExclusive, bool MaxExclusive, bool MinIsNegInf, bool MaxIsPosInf, bool MinIsPosInf, bool MaxIsNegInf)
{
    public bool AboveMin(ReadOnlySpan<byte> v) => !MinIsPosInf && (MinIsNegInf || (MinExclusive ? v.SequenceCompareTo(Min) > 0 : v.SequenceCompareTo(Min) >= 0));
    public bool BelowMax(ReadOnlySpan<byte> v) => !MaxIsNegInf && (MaxIsPosInf || (MaxExclusive ? v.SequenceCompareTo(Max) < 0 : v.SequenceCompareTo(Max) <= 0));
}

/// <summary>
/// Redis's zskiplist: elements ordered by (score, member bytes), every forward link
/// carrying its span, so rank, element-by-rank and range starts are O(log n).
/// </summary>
internal sealed class SkipList
{
    private const int MaxLevel = 32;

    internal sealed class Node(int level, double score, byte[] member)
    {
        public readonly double Score = score;
        public readonly byte[] Member = member;
        public Node? Backward;
        public readonly Node?[] Forward = new Node?[level];
        public readonly long[] Span = new long[level];
        public Node? Next => Forward[0];
    }

    private readonly Node _header = new(MaxLevel, 0, []);
    private readonly Node?[] _update = new Node?[MaxLevel];
    private readonly long[] _rank = new long[MaxLevel];
    private readonly Random _random;
    private int _level = 1;

    public SkipList(Random random) => _random = random;

    public long Length { get; private set; }
    public Node? First => _header.Forward[0];
    public Node? Last { get; private set; }

    private static bool Less(Node n, double score, ReadOnlySpan<byte> member) =>
        n.Score < score || (n.Score == score && n.Member.AsSpan().SequenceCompareTo(member) < 0);

    private int RandomLevel()
    {
        int level = 1;
        while (level < MaxLevel && (_random.Next() & 0xFFFF) < 0xFFFF / 4) level++;
        return level;
    }

    public Node Insert(double score, byte[] member)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            _rank[i] = i == _level - 1 ? 0 : _rank[i + 1];
            while (x.Forward[i] is { } f && Less(f, score, member))
            {
                _rank[i] += x.Span[i];
                x = f;
            }
            _update[i] = x;
        }
        int level = RandomLevel();
        if (level > _level)
        {
            for (int i = _level; i < level; i++)
            {
                _rank[i] = 0;
                _update[i] = _header;
                _header.Span[i] = Length;
            }
            _level = level;
        }
        var node = new Node(level, score, member);
        for (int i = 0; i < level; i++)
        {
            var u = _update[i]!;
            node.Forward[i] = u.Forward[i];
            u.Forward[i] = node;
            node.Span[i] = u.Span[i] - (_rank[0] - _rank[i]);
            u.Span[i] = _rank[0] - _rank[i] + 1;
        }
        for (int i = level; i < _level; i++) _update[i]!.Span[i]++;
        node.Backward = _update[0] == _header ? null : _update[0];
        if (node.Forward[0] is { } next) next.Backward = node;
        else Last = node;
        Length++;
        return node;
    }

    /// <summary>Removes the element with this score and member; false when absent.</summary>
    public bool Delete(double score, ReadOnlySpan<byte> member)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Forward[i] is { } f && Less(f, score, member)) x = f;
            _update[i] = x;
        }
        var target = x.Forward[0];
        if (target == null || target.Score != score || !target.Member.AsSpan().SequenceEqual(member)) return false;
        Unlink(target);
        return true;
    }

    private void Unlink(Node x)
    {
        for (int i = 0; i < _level; i++)
        {
            var u = _update[i]!;
            if (u.Forward[i] == x)
            {
                u.Span[i] += x.Span[i] - 1;
                u.Forward[i] = x.Forward[i];
            }
            else u.Span[i]--;
        }
        if (x.Forward[0] is { } next) next.Backward = x.Backward;
        else Last = x.Backward;
        while (_level > 1 && _header.Forward[_level - 1] == null) _level--;
        Length--;
    }

    /// <summary>1-based rank of the element, or 0 when absent.</summary>
    public long Rank(double score, ReadOnlySpan<byte> member)
    {
        long rank = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Forward[i] is { } f && (f.Score < score || (f.Score == score && f.Member.AsSpan().SequenceCompareTo(member) <= 0)))
            {
                rank += x.Span[i];
                x = f;
            }
            if (x != _header && x.Score == score && x.Member.AsSpan().SequenceEqual(member)) return rank;
        }
        return 0;
    }

    /// <summary>The element at 1-based <paramref name="rank"/>.</summary>
    public Node? ByRank(long rank)
    {
        long traversed = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Forward[i] is { } f && traversed + x.Span[i] <= rank)
            {
                traversed += x.Span[i];
                x = f;
            }
            if (traversed == rank) return x;
        }
        return null;
    }

    /// <summary>The first element whose score is in range, or null.</summary>
    public Node? FirstInRange(in ScoreRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Forward[i] is { } f && !range.AboveMin(f.Score)) x = f;
        var n = x.Forward[0];
        return n != null && range.BelowMax(n.Score) ? n : null;
    }

    /// <summary>The last element whose score is in range, or null.</summary>
    public Node? LastInRange(in ScoreRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Forward[i] is { } f && range.BelowMax(f.Score)) x = f;
        return x != _header && range.AboveMin(x.Score) ? x : null;
    }

    public Node? FirstInLex(in LexRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Forward[i] is { } f && !range.AboveMin(f.Member)) x = f;
        var n = x.Forward[0];
        return n != null && range.BelowMax(n.Member) ? n : null;
    }

    public Node? LastInLex(in LexRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Forward[i] is { } f && range.BelowMax(f.Member)) x = f;
        return x != _header && range.AboveMin(x.Member) ? x : null;
    }
}
