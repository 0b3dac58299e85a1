namespace PasteRedis.Server.Keyspace;

/// <summary>
/// A sorted set as Redis keeps a large one: a table member → score (O(1) ZSCORE, and the
/// order ZSCAN walks) and a skip list ordered by (score, member) for ranks and ranges.
/// </summary>
internal sealed class ZSetObject(byte[] key, Random random, EncodingLimits limits) : RedisObject(key)
{
    private readonly Random _random = random;
    public readonly DenseTable<double> Scores = new();
    public readonly SkipList List = new(random);
    private bool _skiplist;
    private readonly EncodingLimits _limits = limits;
    private int ListpackMaxEntries => _limits.ZSetListpackEntries; // zset-max-listpack-entries
    private int ListpackMaxValue => _limits.ZSetListpackValue; // zset-max-listpack-value

    public override RedisType Type => RedisType.ZSet;
    public int Count => Scores.Count;

    /// <summary>Adds or moves a member; true when it is new.</summary>
    public bool Set(ReadOnlySpan<byte> member, double score)
    {
        // A listpack keeps a score as text, and Redis stores "-0" as the integer 0: the sign goes
        // (not when this very insert converts the set to a skiplist first).
        if (score == 0 && !_skiplist && member.Length <= ListpackMaxValue && (Scores.Count < ListpackMaxEntries || Scores.IndexOf(member) >= 0)) score = 0.0;
        int i = Scores.IndexOf(member);
        if (i >= 0)
        {
            ref double current = ref Scores.ValueAt(i);
            if (current == score) return false;
            List.Delete(current, member);
            current = score;
            List.Insert(score, Scores.KeyAt(i));
            return false;
        }
        if (!_skiplist && (member.Length > ListpackMaxValue || Scores.Count >= ListpackMaxEntries)) _skiplist = true;
        Scores.Set(member, score);
        List.Insert(score, Scores.KeyAt(Scores.IndexOf(member)));
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        int i = Scores.IndexOf(member);
        if (i < 0) return false;
        List.Delete(Scores.ValueAt(i), member);
        Scores.RemoveAt(i);
        return true;
    }

    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => _skiplist ? "skiplist" : "listpack";

    /// <summary>Skip-list encoded: keeps a score of -0, where a listpack stores 0.</summary>
    public bool IsSkipList => _skiplist;

    /// <summary>SORT's side effect in Redis 7.0: it converts a listpack sorted set to a skiplist for good.</summary>
    public void ConvertToSkiplist() => _skiplist = true;

    /// <summary>
    /// Redis's zsetConvertToListpackIfNeeded (a computed set before it is stored): back to a
    /// listpack when small enough, which stores a score of -0 as 0.
    /// </summary>
    public void ConvertToListpackIfSmall()
    {
        if (!_skiplist || !FitsListpack) return;
        var negativeZero = new List<byte[]>();
        for (int i = 0; i < Count; i++)
            if (IsNegativeZero(Scores.ValueAt(i))) negativeZero.Add(Scores.KeyAt(i));
        _skiplist = false;
        foreach (var member in negativeZero)
        {
            Remove(member);
            Set(member, 0.0);
        }
    }

    /// <summary>Small enough for a listpack: rebuilt member by member, it would be one.</summary>
    public bool FitsListpack
    {
        get
        {
            if (Count > ListpackMaxEntries) return false;
            for (int i = 0; i < Count; i++)
                if (Scores.KeyAt(i).Length > ListpackMaxValue) return false;
            return true;
        }
    }

    /// <summary>A member scores -0, which only a skip list keeps.</summary>
    public bool HasNegativeZero
    {
        get
        {
            for (int i = 0; i < Count; i++)
                if (IsNegativeZero(Scores.ValueAt(i))) return true;
            return false;
        }
    }

    private static bool IsNegativeZero(double score) => score == 0 && double.IsNegative(score);

    /// <summary>COPY: the same members, scores and encoding under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new ZSetObject(key, _random, _limits) { _skiplist = _skiplist };
        for (var node = List.First; node != null; node = node.Next) copy.Set(node.Member, node.Score);
        return copy;
    }
}
