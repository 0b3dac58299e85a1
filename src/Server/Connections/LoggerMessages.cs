using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Connections;

internal static partial class LoggerMessages
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing client {Id}: query buffer of {Bytes} bytes exceeds client-query-buffer-limit")]
    public static partial void LogClosingOverLimit(this ILogger logger, long id, long bytes);
}
