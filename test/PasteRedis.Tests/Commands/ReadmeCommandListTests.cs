using System.Text;
using PasteRedis.Server.Commands;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// The README's list of supported commands is generated from the command table, so it
/// cannot drift: this test fails when they differ, and rewrites the section when run with
/// PASTEREDIS_UPDATE_README=1.
/// </summary>
[TestFixture]
public class ReadmeCommandListTests
{
    private const string Begin = "<!-- commands:begin (generated from the command table by ReadmeCommandListTests) -->";
    private const string End = "<!-- commands:end -->";

    private static readonly string[] GroupOrder = ["string", "generic", "list", "hash", "set", "sorted_set", "transactions", "pubsub", "connection", "server"];

    internal static string Generate()
    {
        var sb = new StringBuilder();
        sb.Append("| group | commands |\n| --- | --- |\n");
        var byGroup = CommandCatalog.Build().GroupBy(c => c.Group.Replace('-', '_')).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var group in GroupOrder.Concat(byGroup.Keys.Except(GroupOrder).Order()))
        {
            if (!byGroup.TryGetValue(group, out var commands)) continue;
            var names = commands.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Subcommands == null
                ? c.Name.ToUpperInvariant()
                : $"{c.Name.ToUpperInvariant()} ({string.Join(", ", c.Subcommands.Keys.Order(StringComparer.Ordinal).Select(s => s.ToUpperInvariant()))})");
            sb.Append("| ").Append(group.Replace('_', ' ')).Append(" (").Append(commands.Count).Append(") | ")
              .Append(string.Join(", ", names)).Append(" |\n");
        }
        return sb.ToString();
    }

    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PasteRedis.sln"))) return Path.Combine(dir.FullName, "README.md");
        throw new FileNotFoundException("README.md (no PasteRedis.sln above the test binaries)");
    }

    [Test]
    public void ReadmeListsExactlyTheCommandTable()
    {
        var path = ReadmePath();
        var readme = File.ReadAllText(path);
        int b = readme.IndexOf(Begin, StringComparison.Ordinal), e = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.That(b, Is.GreaterThanOrEqualTo(0).And.LessThan(e), "the README has the generated section markers");
        var current = readme[(b + Begin.Length)..e].Trim('\n');
        var expected = Generate().Trim('\n');
        if (current != expected && Environment.GetEnvironmentVariable("PASTEREDIS_UPDATE_README") == "1")
        {
            File.WriteAllText(path, readme[..(b + Begin.Length)] + "\n" + expected + "\n" + readme[e..]);
            return;
        }
        Assert.That(current, Is.EqualTo(expected),
            "the README's command list is out of date: run PASTEREDIS_UPDATE_README=1 dotnet test test/PasteRedis.Tests --filter ReadmeCommandListTests");
    }
}
