using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using PasteRedis.Server;
using StackExchange.Redis;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>A real PasteRedis server started in-process on a free loopback port.</summary>
public sealed class ServerInstance : IAsyncDisposable
{
    private readonly IHost _host;

    private ServerInstance(IHost host, int port, string dir)
    {
        _host = host;
        Port = port;
        DataDir = dir;
    }

    public int Port { get; }
    public string DataDir { get; }
    public string EndPoint => $"127.0.0.1:{Port}";

    public static async Task<ServerInstance> StartAsync(params string[] extraArgs)
    {
        var port = FreePort();
        // /dev/shm: the emulated NVMM the product is meant for, and no disk msync in the tests.
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, "pasteredis-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var args = new List<string> { "--port", port.ToString(), "--dir", dir, "--loglevel", "warning" };
        args.AddRange(extraArgs);
        var host = PasteRedisHost.Build(args.ToArray());
        await host.StartAsync();
        return new ServerInstance(host, port, dir);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public Task<ConnectionMultiplexer> ConnectAsync(RedisProtocol protocol = RedisProtocol.Resp2, string? password = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { EndPoint },
            AllowAdmin = true,
            Protocol = protocol,
            Password = password,
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
            SyncTimeout = 10000,
        };
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public RawClient Raw() => new(Port);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
