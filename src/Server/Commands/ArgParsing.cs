using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>Argument conversions that answer with Redis's error when they fail.</summary>
internal static class ArgParsing
{
    /// <summary>Parses argument <paramref name="i"/> as a 64-bit integer, or replies the error and returns false.</summary>
    public static bool TryLong(this ClientSession c, int i, out long value)
    {
        if (RespNumber.TryParseInt64(c.Request.Arg(i), out value)) return true;
        c.Reply.Error(Errors.NotInteger);
        return false;
    }

    public static bool TryDouble(this ClientSession c, int i, out double value)
    {
        if (RespNumber.TryParseDouble(c.Request.Arg(i), out value)) return true;
        c.Reply.Error(Errors.NotFloat);
        return false;
    }
}
