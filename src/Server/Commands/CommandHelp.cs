using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>The reply of a container's HELP subcommand, in Redis's layout.</summary>
internal static class CommandHelp
{
    public static void Reply(ClientSession c, string container, params string[] lines)
    {
        c.Reply.ArrayHeader(lines.Length + 3);
        c.Reply.SimpleString($"{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var line in lines) c.Reply.SimpleString(line);
        c.Reply.SimpleString("HELP");
        c.Reply.SimpleString("    Prints this help.");
    }
}
