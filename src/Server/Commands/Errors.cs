namespace PasteRedis.Server.Commands;

/// <summary>Redis's shared error replies (server.c createSharedObjects), word for word.</summary>
internal static class Errors
{
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotInt32 = "ERR value is out of range, value must between -2147483648 and 2147483647";
    public const string NotFloat = "ERR value is not a valid float";
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NoSuchKey = "ERR no such key";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string SameObject = "ERR source and destination objects are the same";
    public const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public const string OffsetOutOfRange = "ERR offset is out of range";
    public const string NanOrInfinity = "ERR increment would produce NaN or Infinity";
    public const string ValueNanOrInfinity = "ERR value is NaN or Infinity";
    public const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

    public static string InvalidExpire(string command) => $"ERR invalid expire time in '{command}' command";
}
