using System.Text;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// logfile, as Redis's: with a file name the log goes there (appended) instead of standard
/// output. Like Redis, the file is opened for each entry, so that a log rotated away (moved
/// or deleted) is started again under its name; an entry that cannot be written is dropped.
/// Lines are Redis's shape: "PID:M date time.ms level message".
/// </summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(this);

    public void Dispose() { }

    private void Write(LogLevel level, string message)
    {
        char mark = level switch
        {
            LogLevel.Trace or LogLevel.Debug => '.',
            LogLevel.Information => '*',
            _ => '#',
        };
        var line = new StringBuilder()
            .Append(Environment.ProcessId).Append(":M ")
            .Append(DateTime.Now.ToString("dd MMM yyyy HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
            .Append(' ').Append(mark).Append(' ').Append(message).Append('\n').ToString();
        lock (_gate)
        {
            try { File.AppendAllText(path, line); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception != null) message += Environment.NewLine + exception;
            provider.Write(logLevel, message);
        }
    }
}
