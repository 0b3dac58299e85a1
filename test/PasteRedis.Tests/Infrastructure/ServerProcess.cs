using System.Diagnostics;
using System.Net.Sockets;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>The server as a separate OS process, for tests that stop, signal or kill it.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "PasteRedis.Server.dll");

    /// <summary>Starts the server and waits until it answers PING (or exits, or 30 s pass).</summary>
    public static ServerProcess Start(int port, params string[] args) => Start(port, new Dictionary<string, string>(), args);

    /// <summary>Starts the server with extra environment variables (Generic Host configuration).</summary>
    public static ServerProcess Start(int port, Dictionary<string, string> environment, params string[] args)
    {
        var sp = Launch(port, environment, args);
        sp.WaitUntilReady();
        return sp;
    }

    /// <summary>Starts the server without waiting for it (to kill it during start-up).</summary>
    public static ServerProcess Launch(int port, Dictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The server process sets up its own event loop (io-threads); a test run's runtime settings are not its.
        psi.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        psi.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.ArgumentList.Add(ServerDll);
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--")) psi.ArgumentList.Add(args[i++]); // config file first
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString());
        foreach (var a in ServerInstance.EventLoopArgs()) psi.ArgumentList.Add(a);
        for (; i < args.Length; i++) psi.ArgumentList.Add(args[i]);
        var p = Process.Start(psi)!;
        var sp = new ServerProcess(p, port);
        p.OutputDataReceived += (_, e) => { lock (sp._output) sp._output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (sp._output) sp._output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return sp;
    }

    /// <summary>Waits until the server answers PING, or NOAUTH when it has a password (or exits, or 30 s pass).</summary>
    public void WaitUntilReady()
    {
        var p = _process;
        int port = Port;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !p.HasExited)
        {
            try
            {
                using var raw = new RawClient(port);
                var reply = raw.Call("PING");
                if (reply == "+PONG" || reply.StartsWith("-NOAUTH")) return; // up (and asking for a password), not loading
            }
            catch (SocketException) { }
            catch (IOException) { }
            Thread.Sleep(50);
        }
        // callers check HasExited / Output
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    /// <summary>Waits for exit and, when it came, for the redirected output to be fully read.</summary>
    public bool WaitForExit(int ms)
    {
        if (!_process.WaitForExit(ms)) return false;
        _process.WaitForExit();
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
