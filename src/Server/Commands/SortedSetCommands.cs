using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>Sorted set commands (Redis's t_zset.c). Pops and ranks are deterministic, so frames replay exactly.</summary>
internal static class SortedSetCommands
{
    private static ZSetObject NewZSet(ClientSession c, ReadOnlySpan<byte> key) => new(key.ToArray(), c.Server.Random, c.Server.Config.Encoding);

    [Flags]
    private enum AddFlags { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8, Ch = 16, Incr = 32 }

    /// <summary>ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...].</summary>
    public static void ZAdd(ClientSession c)
    {
        var req = c.Request;
        var flags = AddFlags.None;
        int i = 2;
        for (; i < req.Count; i++)
        {
            if (c.ArgIs(i, "NX"u8)) flags |= AddFlags.Nx;
            else if (c.ArgIs(i, "XX"u8)) flags |= AddFlags.Xx;
            else if (c.ArgIs(i, "GT"u8)) flags |= AddFlags.Gt;
            else if (c.ArgIs(i, "LT"u8)) flags |= AddFlags.Lt;
            else if (c.ArgIs(i, "CH"u8)) flags |= AddFlags.Ch;
            else if (c.ArgIs(i, "INCR"u8)) flags |= AddFlags.Incr;
            else break;
        }
        int pairs = req.Count - i;
        if (pairs == 0 || pairs % 2 != 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if ((flags & (AddFlags.Nx | AddFlags.Xx)) == (AddFlags.Nx | AddFlags.Xx))
        {
            c.Reply.Error("ERR XX and NX options at the same time are not compatible");
            return;
        }
        if (((flags & AddFlags.Gt) != 0 ? 1 : 0) + ((flags & AddFlags.Lt) != 0 ? 1 : 0) + ((flags & AddFlags.Nx) != 0 ? 1 : 0) > 1)
        {
            c.Reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
            return;
        }
        bool incr = (flags & AddFlags.Incr) != 0;
        if (incr && pairs != 2)
        {
            c.Reply.Error("ERR INCR option supports a single increment-element pair");
            return;
        }
        Span<double> scores = pairs / 2 <= 64 ? stackalloc double[pairs / 2] : new double[pairs / 2];
        for (int p = 0; p < pairs / 2; p++)
            if (!c.TryDouble(i + 2 * p, out scores[p])) return;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        if (zset == null)
        {
            if ((flags & AddFlags.Xx) != 0)
            {
                if (incr) c.Reply.Null();
                else c.Reply.Integer(0);
                return;
            }
            zset = NewZSet(c, req.Arg(1));
            c.Db.Add(zset, c.NowMs);
        }
        long added = 0, changed = 0;
        double result = 0;
        bool aborted = false;
        for (int p = 0; p < pairs / 2; p++)
        {
            var member = req.Arg(i + 2 * p + 1);
            double score = scores[p];
            bool exists = zset.Scores.TryGetValue(member, out double current);
            if ((exists && (flags & AddFlags.Nx) != 0) || (!exists && (flags & AddFlags.Xx) != 0))
            {
                aborted = true;
                continue;
            }
            if (exists)
            {
                if (incr)
                {
                    score += current;
                    if (double.IsNaN(score))
                    {
                        c.Reply.Error("ERR resulting score is not a number (NaN)");
                        if (zset.Count == 0) c.Db.Remove(zset);
                        return;
                    }
                }
                if (((flags & AddFlags.Gt) != 0 && score <= current) || ((flags & AddFlags.Lt) != 0 && score >= current))
                {
                    aborted = true;
                    continue;
                }
                result = score;
                if (score != current)
                {
                    zset.Set(member, score);
                    changed++;
                }
            }
            else
            {
                zset.Set(member, score);
                added++;
                result = score;
            }
        }
        if (zset.Count == 0) c.Db.Remove(zset);
        else if (added + changed > 0) c.Changed(zset, zset.Count, NotifyClass.ZSet, incr ? "zincr" : "zadd");
        if (incr)
        {
            if (aborted) c.Reply.Null();
            else c.Reply.Double(result);
        }
        else c.Reply.Integer((flags & AddFlags.Ch) != 0 ? added + changed : added);
    }

    public static void ZIncrBy(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryDouble(2, out double by)) return;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        double score = by, current = 0;
        bool exists = false;
        if (zset != null && zset.Scores.TryGetValue(req.Arg(3), out current))
        {
            exists = true;
            score += current;
        }
        if (double.IsNaN(score))
        {
            c.Reply.Error("ERR resulting score is not a number (NaN)");
            return;
        }
        if (zset == null)
        {
            zset = NewZSet(c, req.Arg(1));
            c.Db.Add(zset, c.NowMs);
        }
        // A score that stays the same is no change (Redis: neither added nor updated; WATCH holds).
        if (!exists || score != current)
        {
            zset.Set(req.Arg(3), score);
            c.Changed(zset, zset.Count, NotifyClass.ZSet, "zincr");
        }
        c.Reply.Double(score);
    }

    public static void ZRem(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        long removed = 0;
        if (zset != null)
        {
            for (int i = 2; i < req.Count; i++)
                if (zset.Remove(req.Arg(i))) removed++;
            if (removed > 0) c.Changed(zset, zset.Count, NotifyClass.ZSet, "zrem");
        }
        c.Reply.Integer(removed);
    }

    public static void ZRemRangeByScore(ClientSession c)
    {
        if (!TryScoreRange(c, 2, 3, out var range)) return;
        RemoveRange(c, z => z.List.FirstInRange(range), n => range.BelowMax(n.Score), "zremrangebyscore");
    }

    public static void ZRemRangeByLex(ClientSession c)
    {
        if (!TryLexRange(c, 2, 3, out var range)) return;
        RemoveRange(c, z => z.List.FirstInLex(range), n => range.BelowMax(n.Member), "zremrangebylex");
    }

    public static void ZRemRangeByRank(ClientSession c)
    {
        if (!c.TryLong(2, out long start) || !c.TryLong(3, out long end)) return;
        long rank = 0;
        RemoveRange(c, z =>
            {
                if (!TypedKeys.Normalize(z.Count, ref start, ref end)) return null;
                rank = start;
                return z.List.ByRank(start + 1);
            },
            _ => rank++ <= end, "zremrangebyrank");
    }

    /// <summary>
    /// ZREMRANGEBY*: the range was checked before the key (as Redis checks it); removes the
    /// members from <paramref name="first"/> on while <paramref name="inRange"/> holds, and
    /// the key with its last member.
    /// </summary>
    private static void RemoveRange(ClientSession c, Func<ZSetObject, SkipList.Node?> first, Func<SkipList.Node, bool> inRange, string evt)
    {
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        var doomed = new List<byte[]>();
        for (var node = zset == null ? null : first(zset); node != null && inRange(node); node = node.Next) doomed.Add(node.Member);
        foreach (var member in doomed) zset!.Remove(member);
        if (doomed.Count > 0) c.Changed(zset!, zset!.Count, NotifyClass.ZSet, evt);
        c.Reply.Integer(doomed.Count);
    }

    public static void ZScore(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        if (zset != null && zset.Scores.TryGetValue(c.Request.Arg(2), out double s)) c.Reply.Double(s);
        else c.Reply.Null();
    }

    public static void ZMScore(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        c.Reply.ArrayHeader(req.Count - 2);
        for (int i = 2; i < req.Count; i++)
        {
            if (zset != null && zset.Scores.TryGetValue(req.Arg(i), out double s)) c.Reply.Double(s);
            else c.Reply.Null();
        }
    }

    public static void ZCard(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        c.Reply.Integer(zset?.Count ?? 0);
    }

    public static void ZCount(ClientSession c)
    {
        if (!TryScoreRange(c, 2, 3, out var range)) return;
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        long n = 0;
        if (zset != null && zset.List.FirstInRange(range) is { } first)
        {
            var last = zset.List.LastInRange(range)!;
            n = zset.List.Rank(last.Score, last.Member) - zset.List.Rank(first.Score, first.Member) + 1;
        }
        c.Reply.Integer(n);
    }

    public static void ZLexCount(ClientSession c)
    {
        if (!TryLexRange(c, 2, 3, out var range)) return;
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        long n = 0;
        if (zset != null && zset.List.FirstInLex(range) is { } first)
        {
            var last = zset.List.LastInLex(range)!;
            n = zset.List.Rank(last.Score, last.Member) - zset.List.Rank(first.Score, first.Member) + 1;
        }
        c.Reply.Integer(n);
    }

    public static void ZRank(ClientSession c) => Rank(c, reverse: false);
    public static void ZRevRank(ClientSession c) => Rank(c, reverse: true);

    private static void Rank(ClientSession c, bool reverse)
    {
        var req = c.Request;
        bool withScore = req.Count == 4 && c.ArgIs(3, "WITHSCORE"u8);
        if (req.Count == 4 && !withScore)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        if (zset == null || !zset.Scores.TryGetValue(req.Arg(2), out double score))
        {
            if (withScore) c.Reply.NullArray();
            else c.Reply.Null();
            return;
        }
        long rank = zset.List.Rank(score, req.Arg(2)) - 1;
        if (reverse) rank = zset.Count - 1 - rank;
        if (!withScore)
        {
            c.Reply.Integer(rank);
            return;
        }
        c.Reply.ArrayHeader(2);
        c.Reply.Integer(rank);
        c.Reply.Double(score);
    }

    private enum By { Rank, Score, Lex }

    /// <summary>The parsed form of every ZRANGE variant.</summary>
    private struct RangeSpec
    {
        public By By;
        public bool Reverse, WithScores;
        public long Start, End, Offset, Count;
        public ScoreRange Scores;
        public LexRange Lex;
    }

    public static void ZRange(ClientSession c) => RangeCommand(c, 1, By.Rank, reverse: false, generic: true, store: false);
    public static void ZRangeStore(ClientSession c) => RangeCommand(c, 2, By.Rank, reverse: false, generic: true, store: true);
    public static void ZRevRange(ClientSession c) => RangeCommand(c, 1, By.Rank, reverse: true, generic: false, store: false);
    public static void ZRangeByScore(ClientSession c) => RangeCommand(c, 1, By.Score, reverse: false, generic: false, store: false);
    public static void ZRevRangeByScore(ClientSession c) => RangeCommand(c, 1, By.Score, reverse: true, generic: false, store: false);
    public static void ZRangeByLex(ClientSession c) => RangeCommand(c, 1, By.Lex, reverse: false, generic: false, store: false);
    public static void ZRevRangeByLex(ClientSession c) => RangeCommand(c, 1, By.Lex, reverse: true, generic: false, store: false);

    /// <summary>
    /// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] and the
    /// older forms, which fix By and REV and take WITHSCORES/LIMIT as they did (Redis's zrangeGenericCommand).
    /// </summary>
    private static void RangeCommand(ClientSession c, int keyArg, By by, bool reverse, bool generic, bool store)
    {
        var req = c.Request;
        var spec = new RangeSpec { By = by, Reverse = reverse, Offset = 0, Count = -1 };
        bool limit = false;
        for (int i = keyArg + 3; i < req.Count; i++)
        {
            if (!store && c.ArgIs(i, "WITHSCORES"u8) && by != By.Lex | generic) spec.WithScores = true;
            else if (c.ArgIs(i, "LIMIT"u8) && i + 2 < req.Count && (generic || by != By.Rank))
            {
                if (!c.TryLong(i + 1, out spec.Offset) || !c.TryLong(i + 2, out spec.Count)) return;
                limit = true;
                i += 2;
            }
            else if (generic && c.ArgIs(i, "BYSCORE"u8) && spec.By == By.Rank) spec.By = By.Score;
            else if (generic && c.ArgIs(i, "BYLEX"u8) && spec.By == By.Rank) spec.By = By.Lex;
            else if (generic && c.ArgIs(i, "REV"u8)) spec.Reverse = true;
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (limit && spec.By == By.Rank)
        {
            c.Reply.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (spec.WithScores && spec.By == By.Lex)
        {
            c.Reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        // The reverse forms take max before min.
        int lo = keyArg + 1, hi = keyArg + 2;
        if (spec.Reverse && spec.By != By.Rank) (lo, hi) = (hi, lo);
        switch (spec.By)
        {
            case By.Rank:
                if (!c.TryLong(keyArg + 1, out spec.Start) || !c.TryLong(keyArg + 2, out spec.End)) return;
                break;
            case By.Score:
                if (!TryScoreRange(c, lo, hi, out spec.Scores)) return;
                break;
            default:
                if (!TryLexRange(c, lo, hi, out spec.Lex)) return;
                break;
        }
        if (!c.TryGetRead(req.Arg(keyArg), out ZSetObject? zset)) return;
        var result = new List<SkipList.Node>();
        if (zset != null) Collect(zset, spec, result);
        if (store)
        {
            var dstKey = req.Arg(1);
            ZSetObject? dst = null;
            if (result.Count > 0)
            {
                dst = NewZSet(c, dstKey);
                foreach (var n in result) dst.Set(n.Member, n.Score);
            }
            // An empty result over no destination changes nothing (Redis: dbDelete returned 0).
            c.StoreResult(dstKey, dst, NotifyClass.ZSet, "zrangestore");
            c.Reply.Integer(result.Count);
            return;
        }
        WriteNodes(c, result, spec.WithScores);
    }

    private static void Collect(ZSetObject zset, in RangeSpec spec, List<SkipList.Node> result)
    {
        var list = zset.List;
        if (spec.By == By.Rank)
        {
            long start = spec.Start, end = spec.End;
            if (!TypedKeys.Normalize(list.Length, ref start, ref end)) return;
            long n = end - start + 1;
            var node = spec.Reverse ? list.ByRank(list.Length - start) : list.ByRank(start + 1);
            for (; n > 0 && node != null; n--, node = spec.Reverse ? node.Backward : node.Next) result.Add(node);
            return;
        }
        if (spec.Offset < 0) return;
        SkipList.Node? cur = spec.By == By.Score
            ? (spec.Reverse ? list.LastInRange(spec.Scores) : list.FirstInRange(spec.Scores))
            : (spec.Reverse ? list.LastInLex(spec.Lex) : list.FirstInLex(spec.Lex));
        long skip = spec.Offset, count = spec.Count;
        while (cur != null && skip-- > 0) cur = spec.Reverse ? cur.Backward : cur.Next;
        while (cur != null && count-- != 0)
        {
            bool inRange = spec.By == By.Score
                ? (spec.Reverse ? spec.Scores.AboveMin(cur.Score) : spec.Scores.BelowMax(cur.Score))
                : (spec.Reverse ? spec.Lex.AboveMin(cur.Member) : spec.Lex.BelowMax(cur.Member));
            if (!inRange) break;
            result.Add(cur);
            cur = spec.Reverse ? cur.Backward : cur.Next;
        }
    }

    /// <summary>Members, with scores flat (RESP2) or as [member, score] pairs (RESP3).</summary>
    private static void WriteNodes(ClientSession c, List<SkipList.Node> nodes, bool withScores)
    {
        bool pairs = withScores && c.Reply.IsResp3;
        c.Reply.ArrayHeader(withScores && !pairs ? nodes.Count * 2 : nodes.Count);
        foreach (var n in nodes)
        {
            if (pairs) c.Reply.ArrayHeader(2);
            c.Reply.Bulk(n.Member);
            if (withScores) c.Reply.Double(n.Score);
        }
    }

    public static void ZPopMin(ClientSession c) => Pop(c, max: false);
    public static void ZPopMax(ClientSession c) => Pop(c, max: true);

    private static void Pop(ClientSession c, bool max)
    {
        var req = c.Request;
        if (req.Count > 3)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 1;
        if (req.Count == 3 && !c.TryCount(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        var popped = new List<SkipList.Node>();
        while (zset != null && popped.Count < count && zset.List.Length > 0)
        {
            var node = max ? zset.List.Last! : zset.List.First!;
            zset.Remove(node.Member);
            popped.Add(node);
        }
        if (popped.Count > 0) c.Changed(zset!, zset!.Count, NotifyClass.ZSet, max ? "zpopmax" : "zpopmin");
        if (req.Count == 3) WriteNodes(c, popped, withScores: true);
        else
        {
            // Without a count, one flat [member, score] even in RESP3.
            c.Reply.ArrayHeader(popped.Count * 2);
            foreach (var n in popped)
            {
                c.Reply.Bulk(n.Member);
                c.Reply.Double(n.Score);
            }
        }
    }

    public static void ZRandMember(ClientSession c)
    {
        var req = c.Request;
        if (req.Count > 4 || (req.Count == 4 && !c.ArgIs(3, "WITHSCORES"u8)))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 0;
        if (req.Count >= 3 && !c.TryLong(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out ZSetObject? zset)) return;
        if (req.Count == 2)
        {
            if (zset == null) c.Reply.Null();
            else c.Reply.Bulk(zset.Scores.KeyAt(zset.Scores.RandomIndex(c.Server.Random)));
            return;
        }
        bool withScores = req.Count == 4;
        var picks = HashCommands.RandomPicks(zset?.Count ?? 0, count, c.Server.Random);
        bool pairs = withScores && c.Reply.IsResp3;
        c.Reply.ArrayHeader(withScores && !pairs ? picks.Count * 2 : picks.Count);
        foreach (int i in picks)
        {
            if (pairs) c.Reply.ArrayHeader(2);
            c.Reply.Bulk(zset!.Scores.KeyAt(i));
            if (withScores) c.Reply.Double(zset.Scores.ValueAt(i));
        }
    }

    private enum SetOp { Union, Inter, Diff }

    public static void ZUnionStore(ClientSession c) => Combine(c, SetOp.Union, store: true);
    public static void ZInterStore(ClientSession c) => Combine(c, SetOp.Inter, store: true);
    public static void ZDiffStore(ClientSession c) => Combine(c, SetOp.Diff, store: true);
    public static void ZUnion(ClientSession c) => Combine(c, SetOp.Union, store: false);
    public static void ZInter(ClientSession c) => Combine(c, SetOp.Inter, store: false);
    public static void ZDiff(ClientSession c) => Combine(c, SetOp.Diff, store: false);
    public static void ZInterCard(ClientSession c) => Combine(c, SetOp.Inter, store: false, cardinality: true);

    /// <summary>
    /// Redis's zunionInterDiffGenericCommand: ZUNION/ZINTER/ZDIFF numkeys key [key ...] (their
    /// STORE forms with a destination first), [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] but for
    /// ZDIFF, [WITHSCORES] when replying, ZINTERCARD's [LIMIT n]. Sets count as score 1.
    /// </summary>
    private static void Combine(ClientSession c, SetOp op, bool store, bool cardinality = false)
    {
        var req = c.Request;
        int numKeysArg = store ? 2 : 1;
        if (!NumKeys.TryParse(c, numKeysArg, out int numKeys, out int end, storeErrors: true)) return;
        // The sources first (WRONGTYPE before any option error, as Redis): sorted sets, or sets.
        var sources = new List<RedisObject?>(numKeys);
        for (int k = 0; k < numKeys; k++)
        {
            var obj = c.Db.Lookup(req.Arg(numKeysArg + 1 + k), c.NowMs);
            if (obj == null) c.KeyMiss(req.Arg(numKeysArg + 1 + k));
            if (obj != null && obj is not ZSetObject && obj is not SetObject)
            {
                c.Reply.Error(Errors.WrongType);
                return;
            }
            sources.Add(obj);
        }
        var weights = new double[numKeys];
        Array.Fill(weights, 1.0);
        int aggregate = 0; // 0 sum, 1 min, 2 max
        bool withScores = false;
        long limit = 0;
        for (int i = end; i < req.Count; i++)
        {
            int remaining = req.Count - i;
            if (op != SetOp.Diff && !cardinality && remaining >= numKeys + 1 && c.ArgIs(i, "WEIGHTS"u8))
            {
                for (int w = 0; w < numKeys; w++)
                    if (!RespNumber.TryParseDouble(req.Arg(i + 1 + w), out weights[w]))
                    {
                        c.Reply.Error("ERR weight value is not a float");
                        return;
                    }
                i += numKeys;
            }
            else if (op != SetOp.Diff && !cardinality && remaining >= 2 && c.ArgIs(i, "AGGREGATE"u8))
            {
                i++;
                if (c.ArgIs(i, "SUM"u8)) aggregate = 0;
                else if (c.ArgIs(i, "MIN"u8)) aggregate = 1;
                else if (c.ArgIs(i, "MAX"u8)) aggregate = 2;
                else
                {
                    c.Reply.Error(Errors.Syntax);
                    return;
                }
            }
            else if (!store && !cardinality && c.ArgIs(i, "WITHSCORES"u8)) withScores = true;
            else if (cardinality && remaining >= 2 && c.ArgIs(i, "LIMIT"u8))
            {
                if (!RespNumber.TryParseInt64(req.Arg(++i), out limit) || limit < 0)
                {
                    c.Reply.Error("ERR LIMIT can't be negative");
                    return;
                }
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        // Redis combines a union's or an intersection's inputs smallest first (a stable order for
        // equal sizes, as glibc's qsort sorts them), their weights with them: where infinities
        // meet, the order decides the score (inf + -inf is 0, and which input starts it).
        var order = Enumerable.Range(0, numKeys).ToArray();
        if (op != SetOp.Diff)
            order = [.. order.OrderBy(i => sources[i] switch { ZSetObject z => z.Count, SetObject s => s.Count, _ => 0 })];
        var acc = new Dictionary<byte[], (double Score, int Seen)>(ByteKeyComparer.Instance);
        for (int k = 0; k < numKeys; k++)
        {
            int input = order[k];
            void Add(byte[] member, double score)
            {
                if (op == SetOp.Diff)
                {
                    if (k == 0) acc[member] = (score, 1);
                    else acc.Remove(member);
                    return;
                }
                // Redis zeroes a weighted score of NaN (inf * 0) where it starts an element's score:
                // every input of a union, the first of an intersection. A later input's NaN then
                // leaves MIN and MAX as they were and makes SUM 0. MIN and MAX compare as C does
                // (val < target ? val : target), so 0 and -0 keep whichever came first.
                double weighted = score * weights[input];
                if (double.IsNaN(weighted) && (op == SetOp.Union || k == 0)) weighted = 0;
                if (acc.TryGetValue(member, out var cur))
                {
                    if (cur.Seen == k + 1) return;
                    double merged = aggregate switch
                    {
                        1 => weighted < cur.Score ? weighted : cur.Score,
                        2 => weighted > cur.Score ? weighted : cur.Score,
                        _ => cur.Score + weighted,
                    };
                    if (double.IsNaN(merged)) merged = 0;
                    acc[member] = (merged, k + 1);
                }
                else if (op == SetOp.Union || k == 0) acc[member] = (weighted, k + 1);
            }
            switch (sources[input])
            {
                case ZSetObject z:
                    for (int i = 0; i < z.Count; i++) Add(z.Scores.KeyAt(i), z.Scores.ValueAt(i));
                    break;
                case SetObject s:
                    for (int i = 0; i < s.Count; i++) Add(s.Members.KeyAt(i), 1);
                    break;
            }
            if (op == SetOp.Inter)
                foreach (var member in acc.Where(kv => kv.Value.Seen != k + 1).Select(kv => kv.Key).ToList()) acc.Remove(member);
        }
        if (cardinality)
        {
            c.Reply.Integer(limit > 0 ? Math.Min(limit, acc.Count) : acc.Count);
            return;
        }
        // As Redis: computed in a skip list (a -0 score stays -0 in the reply), stored as a listpack when small.
        var result = NewZSet(c, store ? req.Arg(1) : default);
        result.ConvertToSkiplist();
        foreach (var (member, v) in acc) result.Set(member, v.Score);
        if (store) result.ConvertToListpackIfSmall();
        if (!store)
        {
            var nodes = new List<SkipList.Node>(result.Count);
            for (var n = result.List.First; n != null; n = n.Next) nodes.Add(n);
            WriteNodes(c, nodes, withScores);
            return;
        }
        // An empty result over no destination changes nothing.
        c.StoreResult(req.Arg(1), acc.Count > 0 ? result : null, NotifyClass.ZSet,
            op switch { SetOp.Union => "zunionstore", SetOp.Inter => "zinterstore", _ => "zdiffstore" });
        c.Reply.Integer(acc.Count);
    }

    public static void ZScan(ClientSession c)
    {
        if (!ScanArgs.TryParse(c, 2, out var scan)) return;
        if (!c.TryGet(c.Request.Arg(1), out ZSetObject? zset)) return;
        var items = new List<byte[]>();
        long next = 0;
        void Add(byte[] member, double score, bool listpack)
        {
            if (!scan.Matches(c, member)) return;
            items.Add(member);
            Span<byte> text = stackalloc byte[40];
            // A listpack holds the score as d2string wrote it; a skip list's is printed as "%.17Lg".
            int n = listpack ? RespNumber.FormatDoubleD2String(score, text) : RespNumber.FormatDoubleG17(score, text);
            items.Add(text[..n].ToArray());
        }
        // A listpack is scanned whole, in its order (by score), whatever the cursor and COUNT: as Redis.
        if (zset != null && zset.Encoding(null) == "listpack")
            for (var node = zset.List.First; node != null; node = node.Next) Add(node.Member, node.Score, listpack: true);
        else if (zset != null)
            next = zset.Scores.Scan(scan.Cursor, scan.Count, i => Add(zset.Scores.KeyAt(i), zset.Scores.ValueAt(i), listpack: false));
        scan.Reply(c, next, items);
    }

    /// <summary>min/max of ZRANGEBYSCORE: a float, "(" for exclusive, ±inf.</summary>
    private static bool TryScoreRange(ClientSession c, int minArg, int maxArg, out ScoreRange range)
    {
        range = default;
        if (!TryScoreBound(c.Request.Arg(minArg), out double min, out bool minEx) || !TryScoreBound(c.Request.Arg(maxArg), out double max, out bool maxEx))
        {
            c.Reply.Error("ERR min or max is not a float");
            return false;
        }
        range = new ScoreRange(min, max, minEx, maxEx);
        return true;
    }

    private static bool TryScoreBound(ReadOnlySpan<byte> arg, out double value, out bool exclusive)
    {
        exclusive = arg.Length > 0 && arg[0] == (byte)'(';
        return RespNumber.TryParseDouble(exclusive ? arg[1..] : arg, out value);
    }

    /// <summary>min/max of ZRANGEBYLEX: "[" inclusive, "(" exclusive, "-" and "+" the infinities.</summary>
    private static bool TryLexRange(ClientSession c, int minArg, int maxArg, out LexRange range)
    {
        range = default;
        var min = c.Request.Arg(minArg);
        var max = c.Request.Arg(maxArg);
        if (!ValidLex(min) || !ValidLex(max))
        {
            c.Reply.Error("ERR min or max not valid string range item");
            return false;
        }
        range = new LexRange(Bound(min), Bound(max), min[0] == (byte)'(', max[0] == (byte)'(',
            MinIsNegInf: min.SequenceEqual("-"u8), MaxIsPosInf: max.SequenceEqual("+"u8),
            MinIsPosInf: min.SequenceEqual("+"u8), MaxIsNegInf: max.SequenceEqual("-"u8));
        return true;

        static bool ValidLex(ReadOnlySpan<byte> b) =>
            b.Length > 0 && (b[0] is (byte)'(' or (byte)'[' || (b.Length == 1 && b[0] is (byte)'-' or (byte)'+'));
        static byte[] Bound(ReadOnlySpan<byte> b) => b[0] is (byte)'(' or (byte)'[' ? b[1..].ToArray() : [];
    }
}
