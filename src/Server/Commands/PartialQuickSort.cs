namespace PasteRedis.Server.Commands;

/// <summary>
/// Redis's pqsort (pqsort.c, after NetBSD's qsort: Bentley and McIlroy's quicksort with a
/// median of three, or of nine past 40 elements, and three-way partitioning) that sorts
/// only as far as needed for the positions <c>lrange..rrange</c> to hold their final
/// elements. It is not stable, and which of several equal elements lands where follows
/// this exact sequence of swaps: GEOSEARCH … COUNT with ties answers as Redis does only
/// when sorted this way.
/// </summary>
internal static class PartialQuickSort
{
    public static void Sort<T>(T[] a, Comparison<T> cmp, int lrange, int rrange) => Sort(a, 0, a.Length, cmp, lrange, rrange);

    private static void Sort<T>(T[] a, int start, int n, Comparison<T> cmp, int lrange, int rrange)
    {
        while (true)
        {
            if (n < 7)
            {
                for (int pm = start + 1; pm < start + n; pm++)
                    for (int pl = pm; pl > start && cmp(a[pl - 1], a[pl]) > 0; pl--)
                        (a[pl], a[pl - 1]) = (a[pl - 1], a[pl]);
                return;
            }
            int mid = start + n / 2;
            if (n > 7)
            {
                int pl = start, pn = start + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Med3(a, pl, pl + d, pl + 2 * d, cmp);
                    mid = Med3(a, mid - d, mid, mid + d, cmp);
                    pn = Med3(a, pn - 2 * d, pn - d, pn, cmp);
                }
                mid = Med3(a, pl, mid, pn, cmp);
            }
            (a[start], a[mid]) = (a[mid], a[start]);
            int pa = start + 1, pb = start + 1;
            int pc = start + n - 1, pd = start + n - 1;
            while (true)
            {
                int r;
                while (pb <= pc && (r = cmp(a[pb], a[start])) <= 0)
                {
                    if (r == 0)
                    {
                        (a[pa], a[pb]) = (a[pb], a[pa]);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (r = cmp(a[pc], a[start])) >= 0)
                {
                    if (r == 0)
                    {
                        (a[pc], a[pd]) = (a[pd], a[pc]);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) break;
                (a[pb], a[pc]) = (a[pc], a[pb]);
                pb++;
                pc--;
            }
            int end = start + n;
            int s = Math.Min(pa - start, pb - pa);
            VecSwap(a, start, pb - s, s);
            s = Math.Min(pd - pc, end - pd - 1);
            VecSwap(a, pb, end - s, s);
            // The lower part, when it reaches into lrange..rrange; then the upper one, by iterating.
            if ((s = pb - pa) > 1 && Overlaps(start, start + s - 1, lrange, rrange)) Sort(a, start, s, cmp, lrange, rrange);
            if ((s = pd - pc) > 1)
            {
                start = end - s;
                n = s;
                if (Overlaps(start, start + s - 1, lrange, rrange)) continue;
            }
            return;
        }
    }

    private static bool Overlaps(int l, int r, int lrange, int rrange) => !((lrange < l && rrange < l) || (lrange > r && rrange > r));

    private static int Med3<T>(T[] a, int x, int y, int z, Comparison<T> cmp) =>
        cmp(a[x], a[y]) < 0
            ? (cmp(a[y], a[z]) < 0 ? y : cmp(a[x], a[z]) < 0 ? z : x)
            : (cmp(a[y], a[z]) > 0 ? y : cmp(a[x], a[z]) < 0 ? x : z);

    private static void VecSwap<T>(T[] a, int i, int j, int n)
    {
        for (int k = 0; k < n; k++) (a[i + k], a[j + k]) = (a[j + k], a[i + k]);
    }
}
