using System.Globalization;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>
/// SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted set, ordered
/// numerically or with ALPHA by byte order, by themselves or by the keys a BY pattern
/// names; LIMIT, GET patterns (# for the element, key*->field for a hash field) and
/// STORE into a list. SORT … STORE is logged as received when it reads only the sorted
/// key, and as its result (DEL, RPUSH…) when BY or GET patterns read other keys (a
/// compaction could log those after it). Commands/DifferentialTests holds it to
/// redis-server's replies.
/// </summary>
internal static class SortCommand
{
    public static void Sort(ClientSession c) => SortGeneric(c, readOnly: false);
    public static void SortRo(ClientSession c) => SortGeneric(c, readOnly: true);

    private struct Element
    {
        public byte[] Value;
        public double Score;
        public byte[]? By; // ALPHA with BY: the value the pattern found, or null
    }

    private static void SortGeneric(ClientSession c, bool readOnly)
    {
        var req = c.Request;
        bool desc = false, alpha = false, dontSort = false;
        long limitStart = 0, limitCount = -1;
        int byArg = -1, storeArg = -1;
        var gets = new List<int>();
        for (int j = 2; j < req.Count; j++)
        {
            int left = req.Count - j - 1;
            if (c.ArgIs(j, "ASC"u8)) desc = false;
            else if (c.ArgIs(j, "DESC"u8)) desc = true;
            else if (c.ArgIs(j, "ALPHA"u8)) alpha = true;
            else if (c.ArgIs(j, "LIMIT"u8) && left >= 2)
            {
                if (!c.TryLong(j + 1, out limitStart) || !c.TryLong(j + 2, out limitCount)) return;
                j += 2;
            }
            else if (!readOnly && c.ArgIs(j, "STORE"u8) && left >= 1) storeArg = ++j;
            else if (c.ArgIs(j, "BY"u8) && left >= 1)
            {
                byArg = ++j;
                // A BY pattern without '*' names one constant key: nothing to sort by.
                dontSort = req.Arg(j).IndexOf((byte)'*') < 0;
            }
            else if (c.ArgIs(j, "GET"u8) && left >= 1) gets.Add(++j);
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }

        var obj = c.Db.Lookup(req.Arg(1), c.NowMs);
        if (obj == null) c.KeyMiss(req.Arg(1));
        if (obj != null && obj is not (ListObject or SetObject or ZSetObject))
        {
            c.Reply.Error(Errors.WrongType);
            return;
        }
        // A set has no order of its own: stored, it is sorted ALPHA so that replay agrees.
        if (dontSort && obj is SetObject && storeArg >= 0)
        {
            dontSort = false;
            alpha = true;
            byArg = -1;
        }

        if (obj is ZSetObject { IsSkipList: false } zset)
        {
            zset.ConvertToSkiplist(); // "Destructively convert encoded sorted sets for SORT", as Redis does
            c.Server.Aof?.AppendSkipListConversion(c.Db.Id, zset);
        }
        var elements = Load(obj, dontSort, desc);
        int length = elements.Length;
        long start = Math.Min(Math.Max(limitStart, 0), length);
        long count = Math.Min(Math.Max(limitCount, -1), length);
        long end = count < 0 ? length - 1 : start + count - 1;
        if (start >= length)
        {
            start = length - 1;
            end = length - 2;
        }
        if (end >= length) end = length - 1;

        if (!dontSort)
        {
            for (int i = 0; i < length; i++)
            {
                byte[]? by = elements[i].Value;
                if (byArg >= 0)
                {
                    by = LookupByPattern(c, req.Arg(byArg), elements[i].Value);
                    if (by == null) continue;
                }
                if (alpha)
                {
                    if (byArg >= 0) elements[i].By = by;
                }
                else if (!TryScore(by, out elements[i].Score))
                {
                    c.Reply.Error("ERR One or more scores can't be converted into double");
                    return;
                }
            }
            Comparison<Element> compare = !alpha ? CompareScores : byArg >= 0 ? CompareBy : CompareValues;
            // Stable, as glibc's qsort (a merge sort) is for Redis: elements that compare equal keep their order.
            elements = [.. elements.Order(Comparer<Element>.Create(desc ? (a, b) => -compare(a, b) : compare))];
        }

        long outputLength = (gets.Count == 0 ? 1 : gets.Count) * (end - start + 1);
        if (storeArg < 0)
        {
            c.Reply.ArrayHeader((int)outputLength);
            for (long j = start; j <= end; j++)
            {
                if (gets.Count == 0) c.Reply.Bulk(elements[j].Value);
                foreach (int g in gets)
                {
                    var value = LookupByPattern(c, req.Arg(g), elements[j].Value);
                    if (value == null) c.Reply.Null();
                    else c.Reply.Bulk(value);
                }
            }
            return;
        }

        var storeKey = req.Arg(storeArg);
        var existing = c.Db.Lookup(storeKey, c.NowMs, touch: false);
        // Keys read through BY or GET patterns are not named in the command, so a compaction
        // running meanwhile may write their base records after this one: then the result is
        // logged (DEL, RPUSH…), not the command, which would replay against missing keys.
        bool readsOtherKeys = (byArg >= 0 && !dontSort) || gets.Exists(g => !req.Arg(g).SequenceEqual("#"u8));
        ListObject? stored = null;
        if (outputLength > 0)
        {
            var list = new ListObject(storeKey.ToArray());
            for (long j = start; j <= end; j++)
            {
                if (gets.Count == 0) list.PushRight([.. elements[j].Value]);
                foreach (int g in gets) list.PushRight([.. LookupByPattern(c, req.Arg(g), elements[j].Value) ?? []]);
            }
            if (existing != null) c.Db.Overwrite(existing, list, c.NowMs);
            else c.Db.Add(list, c.NowMs);
            stored = list;
            c.Notify(NotifyClass.List, "sortstore", storeKey);
        }
        else if (existing != null)
        {
            c.Db.Remove(existing);
            c.Notify(NotifyClass.Generic, "del", storeKey);
        }
        if (readsOtherKeys && (stored != null || existing != null))
        {
            var log = c.LogAbsolute(replace: true);
            log.Add("DEL"u8, storeKey);
            if (stored != null)
            {
                var rpush = new Persistence.ComposedCommand();
                Persistence.CollectionRecords.Compose(stored, rpush);
                for (int i = 0; i < rpush.Count; i++) log.AddFrame(rpush[i]);
            }
        }
        c.KeysTouchedByHandler = true; // the destination changed, not the sorted key
        if (outputLength > 0 || existing != null) c.Server.Watches.Touch(c.Db, storeKey, c); // nothing stored over nothing: no change
        c.Reply.Integer(outputLength);
    }

    /// <summary>
    /// The elements to sort. When nothing is sorted, a list keeps its order and a sorted set
    /// its score order, reversed for DESC; a set keeps its own (unspecified) order.
    /// </summary>
    private static Element[] Load(RedisObject? obj, bool dontSort, bool desc)
    {
        Element[] elements;
        switch (obj)
        {
            case ListObject list:
                elements = new Element[list.Count];
                for (int i = 0; i < list.Count; i++) elements[i].Value = list[i];
                break;
            case SetObject set:
                elements = new Element[set.Count];
                for (int i = 0; i < set.Count; i++) elements[i].Value = set.Members.KeyAt(i);
                return elements;
            case ZSetObject zset:
                elements = new Element[zset.Count];
                int n = 0;
                for (var node = zset.List.First; node != null; node = node.Next) elements[n++].Value = node.Member;
                break;
            default:
                return [];
        }
        if (dontSort && desc) Array.Reverse(elements);
        return elements;
    }

    /// <summary>
    /// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is
    /// replaced by the element and the key's string value is read, or with "key*->field"
    /// the hash field's value. Null when the pattern has no '*' or nothing is there.
    /// </summary>
    private static byte[]? LookupByPattern(ClientSession c, ReadOnlySpan<byte> pattern, byte[] element)
    {
        if (pattern.Length == 1 && pattern[0] == (byte)'#') return element;
        int star = pattern.IndexOf((byte)'*');
        if (star < 0) return null;
        int arrow = pattern[(star + 1)..].IndexOf("->"u8);
        ReadOnlySpan<byte> field = default;
        int keyEnd = pattern.Length;
        if (arrow >= 0 && star + 1 + arrow + 2 < pattern.Length)
        {
            keyEnd = star + 1 + arrow;
            field = pattern[(keyEnd + 2)..];
        }
        var key = new byte[keyEnd - 1 + element.Length];
        pattern[..star].CopyTo(key);
        element.CopyTo(key, star);
        pattern[(star + 1)..keyEnd].CopyTo(key.AsSpan(star + element.Length));
        var obj = c.Db.Lookup(key, c.NowMs);
        if (obj == null) c.KeyMiss(key);
        if (keyEnd < pattern.Length)
            return obj is HashObject hash && hash.Fields.TryGetValue(field, out var value) ? value : null;
        return obj is StringObject str ? str.Value(c.Server.Pool).ToArray() : null;
    }

    /// <summary>As strtod with Redis's checks: leading blanks skipped, all of the rest a number, no NaN, no overflow.</summary>
    private static bool TryScore(ReadOnlySpan<byte> text, out double score)
    {
        int i = 0;
        while (i < text.Length && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) i++;
        text = text[i..];
        score = 0;
        // strtod that converts nothing leaves its end at the start: the empty string ends there (Redis takes it
        // as 0); a string of spaces does not (an error).
        if (text.IsEmpty) return i == 0;
        var s = System.Text.Encoding.Latin1.GetString(text);
        var body = s.TrimStart('+', '-');
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            score = s[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return s.Length - body.Length <= 1;
        }
        if (!double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out score)) return false;
        return !double.IsInfinity(score) && !double.IsNaN(score); // infinite: out of range, strtod's ERANGE
    }

    private static int CompareScores(Element a, Element b) =>
        a.Score > b.Score ? 1 : a.Score < b.Score ? -1 : a.Value.AsSpan().SequenceCompareTo(b.Value);

    private static int CompareValues(Element a, Element b) => a.Value.AsSpan().SequenceCompareTo(b.Value);

    private static int CompareBy(Element a, Element b)
    {
        if (a.By == null || b.By == null) return a.By == b.By ? 0 : a.By == null ? -1 : 1;
        return a.By.AsSpan().SequenceCompareTo(b.By);
    }
}
