namespace PasteRedis.Server.Hosting;

/// <summary>SHUTDOWN's options, and shutdown-on-sigterm / shutdown-on-sigint, which give them to a signal (Redis 7).</summary>
[Flags]
internal enum ShutdownFlags
{
    None = 0,
    Save = 1,
    NoSave = 2,
    Now = 4,
    Force = 8,
}

internal static class ShutdownOptions
{
    private static readonly (string Name, ShutdownFlags Flag)[] Names =
        [("save", ShutdownFlags.Save), ("nosave", ShutdownFlags.NoSave), ("now", ShutdownFlags.Now), ("force", ShutdownFlags.Force)];

    /// <summary>Redis's check of shutdown-on-sigterm/sigint: "default" or any of save, nosave, now, force (not save and nosave).</summary>
    public static string? TryParse(string value, out ShutdownFlags flags)
    {
        flags = ShutdownFlags.None;
        foreach (var word in value.Split(' '))
        {
            if (word.Equals("default", StringComparison.OrdinalIgnoreCase)) continue;
            var known = Names.FirstOrDefault(n => n.Name.Equals(word, StringComparison.OrdinalIgnoreCase));
            if (known.Name == null) return "argument(s) must be one of the following: default, save, nosave, now, force";
            flags |= known.Flag;
        }
        return (flags & (ShutdownFlags.Save | ShutdownFlags.NoSave)) == (ShutdownFlags.Save | ShutdownFlags.NoSave)
            ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
    }

    /// <summary>As CONFIG GET shows it: "default", or the flags in Redis's order.</summary>
    public static string Format(ShutdownFlags flags) =>
        flags == ShutdownFlags.None ? "default" : string.Join(' ', Names.Where(n => (flags & n.Flag) != 0).Select(n => n.Name));
}
