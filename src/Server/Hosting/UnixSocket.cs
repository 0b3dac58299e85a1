using System.Net.Sockets;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// unixsocket and unixsocketperm, as Redis's: a stale socket file is removed before the bind,
/// the new one gets the permissions asked for, and it is removed again at shutdown. Clients
/// on it count as local (protected mode lets them in) and CLIENT LIST shows them as Redis
/// does: the socket's path as both addresses, flag U.
/// </summary>
internal static class UnixSocket
{
    /// <summary>Redis's octal unixsocketperm: 0 to 0777.</summary>
    public static bool TryParsePermissions(string value, out int permissions)
    {
        permissions = 0;
        if (value.Length == 0 || value.Length > 12) return false;
        foreach (char ch in value)
        {
            if (ch is < '0' or > '7') return false;
            permissions = permissions * 8 + (ch - '0');
        }
        return permissions <= 511;
    }

    /// <summary>The endpoint to bind: any file left at the path by an earlier run is removed first.</summary>
    public static UnixDomainSocketEndPoint Prepare(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { } // as Redis: "don't care if this fails"
        return new UnixDomainSocketEndPoint(path);
    }

    /// <summary>After the bind: the file's permissions, when unixsocketperm asks for some.</summary>
    public static void SetPermissions(string path, string unixsocketperm)
    {
        if (TryParsePermissions(unixsocketperm, out int permissions) && permissions != 0 && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, (UnixFileMode)permissions);
    }
}
