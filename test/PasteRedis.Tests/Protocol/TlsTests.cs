using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Protocol;

/// <summary>
/// TLS on tls-port, configured with redis-server's names: real clients (StackExchange.Redis,
/// redis-cli) over real handshakes, certificates made for the run, and redis-server with the
/// same files as the reference for what is accepted and refused.
/// </summary>
[TestFixture]
public class TlsTests
{
    private TestCertificates _certs = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _certs = TestCertificates.Create();

    [OneTimeTearDown]
    public void DeleteCertificates() => _certs.Dispose();

    private ConfigurationOptions TlsOptions(int port, bool clientCertificate = true)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            Ssl = true,
            SslHost = "localhost",
            AbortOnConnectFail = true,
            AllowAdmin = true,
            ConnectTimeout = 5000,
        };
        options.TrustIssuer(_certs.CaCert);
        if (clientCertificate) options.SetUserPemCertificate(_certs.ClientCert, _certs.ClientKey);
        return options;
    }

    private static long PasteField(IServer server, string field) =>
        long.Parse(server.Info("paste").SelectMany(g => g).First(p => p.Key == field).Value);

    [Test]
    public async Task StackExchangeRedisWritesReadsSubscribesAndRecoversOverTls()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync(_certs.ServerArgs(tlsPort));
        var value = string.Concat(Enumerable.Range(0, 600).Select(i => $"{i:D4},"));
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort)))
        {
            var db = mux.GetDatabase();
            var admin = mux.GetServer(mux.GetEndPoints()[0]);
            long storedBefore = PasteField(admin, "values_stored_whole") + PasteField(admin, "values_stored_spanning");
            Assert.That(await db.StringSetAsync("tls:key", value), Is.True);
            Assert.That((string?)await db.StringGetAsync("tls:key"), Is.EqualTo(value));
            // The decrypted bytes landed in packet buffers and the value references them there.
            Assert.That(PasteField(admin, "values_stored_whole") + PasteField(admin, "values_stored_spanning"), Is.EqualTo(storedBefore + 1));

            var received = new TaskCompletionSource<string>();
            await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal("tls:ch"), (_, m) => received.TrySetResult(m!));
            Assert.That(await db.PublishAsync(RedisChannel.Literal("tls:ch"), "over tls"), Is.EqualTo(1));
            Assert.That(await received.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo("over tls"));
        }
        await server.RestartAsync();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort)))
            Assert.That((string?)await mux.GetDatabase().StringGetAsync("tls:key"), Is.EqualTo(value), "the log replayed what arrived over TLS");
        // The plain port still serves the same data.
        using var raw = server.Raw();
        Assert.That(raw.Call("STRLEN", "tls:key"), Is.EqualTo(":" + value.Length));
    }

    [Test]
    public async Task AnEncryptedKeyIsReadWithTlsKeyFilePass()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync("--tls-port", tlsPort.ToString(), "--tls-cert-file", _certs.ServerCert,
            "--tls-key-file", _certs.ServerKeyEncrypted, "--tls-key-file-pass", TestCertificates.KeyPassword, "--tls-auth-clients", "no");
        await using var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort, clientCertificate: false));
        Assert.That((string?)await mux.GetDatabase().ExecuteAsync("ECHO", "sealed"), Is.EqualTo("sealed"));
    }

    /// <summary>What redis-cli prints and exits with, for the same calls to both servers configured alike.</summary>
    private (int Code, string Output)[] CliOutcomes(int port, bool withClientCertificate, params string[][] calls)
    {
        var cli = Tools.Require("redis-cli", "redis-tools");
        return calls.Select(call =>
        {
            var (code, output) = Tools.Run(cli, [.. _certs.CliArgs(port, withClientCertificate), .. call]);
            // Redis's "reset by peer" and "closed" race with the client's own write; both say the server refused.
            return (code, Regex.Replace(output.Trim(), "Error: (Connection reset by peer|Server closed the connection)", "Error: refused"));
        }).ToArray();
    }

    [TestCase("yes")]
    [TestCase("optional")]
    [TestCase("no")]
    public async Task RedisCliIsServedAndRefusedAsByRedisServer(string authClients)
    {
        Tools.Require("redis-server", "redis-server");
        string[][] calls = [["SET", "k", "v"], ["GET", "k"], ["PING"]];
        var args = authClients == "no"
            ? new[] { "--tls-cert-file", _certs.ServerCert, "--tls-key-file", _certs.ServerKey, "--tls-auth-clients", "no" }
            : ["--tls-cert-file", _certs.ServerCert, "--tls-key-file", _certs.ServerKey, "--tls-ca-cert-file", _certs.CaCert, "--tls-auth-clients", authClients];

        int redisTls = ServerInstance.FreePort(), ourTls = ServerInstance.FreePort();
        using var redis = new Tools.ReferenceRedis("tls", ["--tls-port", redisTls.ToString(), .. args]);
        await using var ours = await ServerInstance.StartAsync(["--tls-port", ourTls.ToString(), .. args]);

        var withCert = (CliOutcomes(redisTls, true, calls), CliOutcomes(ourTls, true, calls));
        var withoutCert = (CliOutcomes(redisTls, false, calls), CliOutcomes(ourTls, false, calls));
        Assert.That(withCert.Item2, Is.EqualTo(withCert.Item1), "with the client certificate");
        Assert.That(withoutCert.Item2, Is.EqualTo(withoutCert.Item1), "without a client certificate");
        Assert.That(withCert.Item1[2], Is.EqualTo((0, "PONG")), "the reference served the client");
        if (authClients == "yes") Assert.That(withoutCert.Item1[2].Code, Is.EqualTo(1), "the reference refused the client");

        // A certificate another CA signed is refused where certificates are checked.
        var cli = Tools.Require("redis-cli", "redis-tools");
        string[] stranger = ["--tls", "--cacert", _certs.CaCert, "--cert", _certs.StrangerCert, "--key", _certs.StrangerKey, "PING"];
        var theirs = Tools.Run(cli, ["-p", redisTls.ToString(), .. stranger]);
        var mine = Tools.Run(cli, ["-p", ourTls.ToString(), .. stranger]);
        Assert.That(mine.ExitCode, Is.EqualTo(theirs.ExitCode), $"redis: {theirs.Output}\nours: {mine.Output}");
        Assert.That(theirs.ExitCode, Is.EqualTo(authClients == "no" ? 0 : 1));
    }

    [Test]
    public async Task BadHandshakesCloseOnlyTheirOwnConnection()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync(_certs.ServerArgs(tlsPort));
        await using var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort));
        var db = mux.GetDatabase();

        // One client says nothing at all, one speaks RESP in clear text to the TLS port.
        using var silent = new TcpClient("127.0.0.1", tlsPort);
        using var clear = new TcpClient("127.0.0.1", tlsPort);
        clear.GetStream().Write("*1\r\n$4\r\nPING\r\n"u8);
        var buffer = new byte[64];
        clear.ReceiveTimeout = 5000;
        int n;
        try { n = clear.GetStream().Read(buffer); }
        catch (IOException) { n = 0; } // reset, as Redis does
        Assert.That(n, Is.EqualTo(0), "no RESP reply over a failed handshake");

        // Meanwhile the TLS client is served, and so is the plain port.
        Assert.That(await db.StringSetAsync("bystander", "fine"), Is.True);
        Assert.That((string?)await db.StringGetAsync("bystander"), Is.EqualTo("fine"));
        using var raw = server.Raw();
        Assert.That(raw.Call("GET", "bystander"), Is.EqualTo("$fine"));
        Assert.That(silent.Connected, Is.True);
    }

    [Test]
    public async Task ATlsClientIsKilledTimedOutAndClosedAtShutdownLikeAPlainOne()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync(_certs.ServerArgs(tlsPort));
        using var admin = server.Raw();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort));
        var db = mux.GetDatabase();
        await db.PingAsync();
        // CLIENT KILL closes a TLS connection (the multiplexer reconnects and is served again).
        long before = long.Parse(Regex.Match(admin.Call("INFO", "stats"), @"total_connections_received:(\d+)").Groups[1].Value);
        var tlsIds = Regex.Matches(admin.Call("CLIENT", "LIST"), @"id=(\d+) addr=\S+ laddr=\S+:" + tlsPort + " ").Select(m => m.Groups[1].Value).ToList();
        Assert.That(tlsIds, Is.Not.Empty, "CLIENT LIST shows the TLS connections with the TLS port as laddr");
        foreach (var id in tlsIds) Assert.That(admin.Call("CLIENT", "KILL", "ID", id), Is.EqualTo(":1"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (long.Parse(Regex.Match(admin.Call("INFO", "stats"), @"total_connections_received:(\d+)").Groups[1].Value) == before && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        // The counter moves when the first of the multiplexer's links is back; a command may
        // still go out on a link it has not yet seen closed (CI saw SocketClosed once): retry.
        string? got;
        while (true)
        {
            try
            {
                got = await db.StringGetAsync("missing");
                break;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline) { await Task.Delay(50); }
        }
        Assert.That(got, Is.Null, "served again after reconnecting");

        // timeout closes an idle TLS client as it does a plain one.
        admin.Call("CONFIG", "SET", "timeout", "1");
        using var idle = new System.Net.Security.SslStream(new TcpClient("127.0.0.1", tlsPort).GetStream());
        idle.AuthenticateAsClient(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(_certs.ClientCert, _certs.ClientKey)],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        idle.ReadTimeout = 10_000;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int n;
        try { n = idle.Read(new byte[16]); }
        catch (IOException) { n = 0; }
        Assert.That(n, Is.EqualTo(0), "closed by the server");
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)));
        using (var fresh = server.Raw()) fresh.Call("CONFIG", "SET", "timeout", "0"); // the idle admin was timed out too

        // A restart with a TLS client connected stops promptly and serves it again after.
        sw.Restart();
        await server.RestartAsync();
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        await using var again = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort));
        Assert.That((string?)await again.GetDatabase().StringGetAsync("missing"), Is.Null);
    }

    /// <summary>A raw TLS connection trusting anything: which certificate the server presented, and the stream.</summary>
    private System.Net.Security.SslStream Handshake(int port, bool clientCertificate, out string serverThumbprint)
    {
        var ssl = new System.Net.Security.SslStream(new TcpClient("127.0.0.1", port).GetStream());
        ssl.AuthenticateAsClient(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = clientCertificate
                ? [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(_certs.ClientCert, _certs.ClientKey)]
                : [],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        serverThumbprint = ssl.RemoteCertificate!.GetCertHashString();
        return ssl;
    }

    private static string Ping(System.Net.Security.SslStream ssl)
    {
        ssl.Write("*1\r\n$4\r\nPING\r\n"u8);
        var buffer = new byte[16];
        return System.Text.Encoding.ASCII.GetString(buffer, 0, ssl.Read(buffer)).TrimEnd();
    }

    [Test]
    public async Task ConfigSetReloadsTlsForNewConnectionsAndKeepsTheOldOnFailure()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync(_certs.ServerArgs(tlsPort));
        using var admin = server.Raw();
        string Thumbprint(string pem) => System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(pem)).GetCertHashString();

        using var before = Handshake(tlsPort, clientCertificate: true, out var first);
        Assert.That(first, Is.EqualTo(Thumbprint(_certs.ServerCert)));
        // A renewed certificate, without a restart: new connections get it, open ones keep working.
        Assert.That(admin.Call("CONFIG", "SET", "tls-cert-file", _certs.RenewedServerCert, "tls-key-file", _certs.RenewedServerKey), Is.EqualTo("+OK"));
        using (var after = Handshake(tlsPort, clientCertificate: true, out var second))
        {
            Assert.That(second, Is.EqualTo(Thumbprint(_certs.RenewedServerCert)));
            Assert.That(Ping(after), Is.EqualTo("+PONG"));
        }
        Assert.That(Ping(before), Is.EqualTo("+PONG"));

        // A certificate that cannot be loaded: Redis's error, and everything stays as it was.
        Assert.That(admin.Call("CONFIG", "SET", "tls-cert-file", "/nonexistent/server.crt"),
            Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs."));
        Assert.That(admin.Call("CONFIG", "GET", "tls-cert-file"), Is.EqualTo($"*[$tls-cert-file,${_certs.RenewedServerCert}]"));
        using (var still = Handshake(tlsPort, clientCertificate: true, out var third)) Assert.That(third, Is.EqualTo(Thumbprint(_certs.RenewedServerCert)));

        // Client certificates stop being required once tls-auth-clients is no.
        Assert.Catch(() => Ping(Handshake(tlsPort, clientCertificate: false, out _)), "required at first");
        Assert.That(admin.Call("CONFIG", "SET", "tls-auth-clients", "no"), Is.EqualTo("+OK"));
        using (var anonymous = Handshake(tlsPort, clientCertificate: false, out _)) Assert.That(Ping(anonymous), Is.EqualTo("+PONG"));
    }

    [Test]
    public async Task AFailedTlsReloadIsRefusedAsByRedis()
    {
        Tools.Require("redis-server", "redis-server");
        int redisTls = ServerInstance.FreePort(), ourTls = ServerInstance.FreePort();
        string[] args = ["--tls-cert-file", _certs.ServerCert, "--tls-key-file", _certs.ServerKey, "--tls-ca-cert-file", _certs.CaCert];
        using var redis = new Tools.ReferenceRedis("tls-reload", ["--tls-port", redisTls.ToString(), .. args]);
        await using var ours = await ServerInstance.StartAsync(["--tls-port", ourTls.ToString(), .. args]);
        string[][] commands =
        [
            ["CONFIG", "SET", "tls-cert-file", "/nonexistent"], ["CONFIG", "GET", "tls-cert-file"],
            ["CONFIG", "SET", "tls-protocols", "TLSv1.9"], ["CONFIG", "GET", "tls-protocols"],
            ["CONFIG", "SET", "tls-ca-cert-file", ""], ["CONFIG", "GET", "tls-ca-cert-file"],
            ["CONFIG", "SET", "tls-auth-clients", "maybe"], ["CONFIG", "SET", "tls-auth-clients", "optional"], ["CONFIG", "GET", "tls-auth-clients"],
            ["CONFIG", "SET", "tls-key-file", _certs.ServerKey, "tls-cert-file", _certs.ServerCert],
        ];
        var replies = new[] { redis.Port, ours.Port }.Select(port =>
        {
            using var raw = new RawClient(port);
            return commands.Select(c => $"{string.Join(' ', c)}: {raw.Call(c)}").ToArray();
        }).ToArray();
        Assert.That(replies[1], Is.EqualTo(replies[0]));
    }

    [Test]
    public async Task PortZeroListensOnTlsAlone()
    {
        int tlsPort = ServerInstance.FreePort();
        await using var server = await ServerInstance.StartAsync([.. _certs.ServerArgs(tlsPort), "--port", "0"]);
        Assert.Throws<SocketException>(() => new TcpClient("127.0.0.1", server.Port).Dispose(), "nothing listens on the plain port");
        await using var mux = await ConnectionMultiplexer.ConnectAsync(TlsOptions(tlsPort));
        var config = await mux.GetServer(mux.GetEndPoints()[0]).ConfigGetAsync("*port");
        Assert.That(config.ToDictionary(p => p.Key, p => p.Value)["port"], Is.EqualTo("0"));
        Assert.That(config.ToDictionary(p => p.Key, p => p.Value)["tls-port"], Is.EqualTo(tlsPort.ToString()));
    }

    /// <summary>Each configuration both servers refuse to start with, and the line of Redis's log ours must print too.</summary>
    private static IEnumerable<TestCaseData> Refusals()
    {
        const string failed = "Failed to configure TLS. Check logs for more info.";
        yield return new TestCaseData(new[] { "--tls-auth-clients", "yes", "CERT", "KEY" },
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!", failed).SetName("NoCaWhileClientsAreChecked");
        yield return new TestCaseData(new[] { "--tls-auth-clients", "no" }, "No tls-cert-file configured!", failed).SetName("NoCertificate");
        yield return new TestCaseData(new[] { "--tls-auth-clients", "no", "--tls-cert-file", "/nonexistent/server.crt", "KEY" },
            "Failed to load certificate: /nonexistent/server.crt:", failed).SetName("MissingCertificateFile");
        yield return new TestCaseData(new[] { "--tls-auth-clients", "no", "CERT", "ENCRYPTED", "--tls-key-file-pass", "wrong" },
            "Failed to load private key:", failed).SetName("WrongKeyPassword");
    }

    [TestCaseSource(nameof(Refusals))]
    public void ABadConfigurationRefusesTheStartAsRedisDoes(string[] args, string reason, string conclusion)
    {
        var redisServer = Tools.Require("redis-server", "redis-server");
        string[] Resolve(string[] a) => a.Select(x => x switch
        {
            "CERT" => $"--tls-cert-file\n{_certs.ServerCert}",
            "KEY" => $"--tls-key-file\n{_certs.ServerKey}",
            "ENCRYPTED" => $"--tls-key-file\n{_certs.ServerKeyEncrypted}",
            _ => x,
        }).SelectMany(x => x.Split('\n')).ToArray();
        var full = Resolve(["--tls-port", ServerInstance.FreePort().ToString(), .. args]);

        var dir = Directory.CreateTempSubdirectory("redis-refuse").FullName;
        try
        {
            var (code, output) = Tools.Run(redisServer, ["--port", "0", "--dir", dir, "--save", "", "--appendonly", "no", .. full]);
            Assert.That(code, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain(reason).And.Contain(conclusion), "redis-server's own words");
        }
        finally { Directory.Delete(dir, true); }

        var e = Assert.CatchAsync(async () => await (await ServerInstance.StartAsync(full)).DisposeAsync());
        Assert.That(e!.Message, Does.Contain(reason).And.Contain(conclusion));
    }

    [Test]
    public void NoPortAtAllRefusesTheStartAsRedisDoes()
    {
        var redisServer = Tools.Require("redis-server", "redis-server");
        var (code, output) = Tools.Run(redisServer, "--port", "0", "--save", "", "--appendonly", "no");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("Configured to not listen anywhere, exiting."));
        var e = Assert.CatchAsync(async () => await (await ServerInstance.StartAsync("--port", "0")).DisposeAsync());
        Assert.That(e!.Message, Is.EqualTo("Configured to not listen anywhere, exiting."));
    }

    [Test]
    public async Task ConfigGetAnswersTheTlsParametersAsRedisDoes()
    {
        await using var server = await ServerInstance.StartAsync();
        string[] parameters = ["tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir",
            "tls-auth-clients", "tls-protocols"];
        var commands = parameters.Select(p => new[] { "CONFIG", "GET", p }).ToArray();
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands), Is.Empty);
    }
}
