using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Configuration;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// TLS as Redis configures it (tls-port, tls-cert-file, tls-key-file, tls-key-file-pass,
/// tls-ca-cert-file, tls-ca-cert-dir, tls-auth-clients, tls-protocols), loaded once at start:
/// a certificate, key or CA that cannot be loaded refuses the start with Redis's words.
/// Client certificates are checked against the configured CAs only (not the system store),
/// as OpenSSL does with Redis's context; revocation is not checked, as in Redis.
/// </summary>
internal sealed class TlsSettings
{
    private const string Failed = "Failed to configure TLS. Check logs for more info.";

    private readonly SslStreamCertificateContext _certificate;
    private readonly X509Certificate2Collection _trusted;
    private readonly SslProtocols _protocols;

    public int Port { get; }

    /// <summary>"yes", "optional" or "no": whether a client must present a certificate the CAs signed.</summary>
    public string AuthClients { get; }

    private TlsSettings(int port, SslStreamCertificateContext certificate, X509Certificate2Collection trusted, SslProtocols protocols, string authClients)
    {
        Port = port;
        _certificate = certificate;
        _trusted = trusted;
        _protocols = protocols;
        AuthClients = authClients;
    }

    /// <summary>The settings when tls-port is set, null when it is 0. Throws <see cref="ConfigException"/> when they cannot be loaded.</summary>
    public static TlsSettings? Load(ServerConfig config, ILogger logger)
    {
        int port = int.Parse(config.Get("tls-port"), System.Globalization.CultureInfo.InvariantCulture);
        if (port == 0) return null;
        string authClients = config.Get("tls-auth-clients");
        string certFile = config.Get("tls-cert-file"), keyFile = config.Get("tls-key-file");
        string caFile = config.Get("tls-ca-cert-file"), caDir = config.Get("tls-ca-cert-dir");
        if (authClients != "no" && caFile.Length == 0 && caDir.Length == 0)
            return Refuse(logger, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!");
        if (!TryParseProtocols(config.Get("tls-protocols"), out var protocols))
            return Refuse(logger, "Invalid tls-protocols specified. Use a combination of 'TLSv1.2' and 'TLSv1.3'.");
        if (certFile.Length == 0) return Refuse(logger, "No tls-cert-file configured!");
        if (keyFile.Length == 0) return Refuse(logger, "No tls-key-file configured!");

        // The certificate first, then the rest of its file (the chain sent with it), then the key.
        var chain = new X509Certificate2Collection();
        try { chain.ImportFromPemFile(certFile); }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return Refuse(logger, $"Failed to load certificate: {certFile}: {e.Message}");
        }
        if (chain.Count == 0) return Refuse(logger, $"Failed to load certificate: {certFile}: no certificate in the file");
        X509Certificate2 cert;
        try
        {
            string pass = config.Get("tls-key-file-pass");
            cert = pass.Length > 0
                ? X509Certificate2.CreateFromEncryptedPemFile(certFile, pass, keyFile)
                : X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Refuse(logger, $"Failed to load private key: {keyFile}: {e.Message}");
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain) if (c.Thumbprint != cert.Thumbprint) intermediates.Add(c);
        var context = SslStreamCertificateContext.Create(cert, intermediates, offline: true);

        var trusted = new X509Certificate2Collection();
        try
        {
            if (caFile.Length > 0) trusted.ImportFromPemFile(caFile);
            if (caDir.Length > 0)
                foreach (var file in Directory.EnumerateFiles(caDir))
                {
                    try { trusted.ImportFromPemFile(file); }
                    catch (CryptographicException) { } // not a certificate: OpenSSL's CA dir ignores it too
                }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return Refuse(logger, $"Failed to configure CA certificate(s) file/directory: {e.Message}");
        }
        if (authClients != "no" && trusted.Count == 0)
            return Refuse(logger, "Failed to configure CA certificate(s) file/directory: no certificate found");
        return new TlsSettings(port, context, trusted, protocols, authClients);
    }

    private static TlsSettings Refuse(ILogger logger, string why)
    {
        logger.LogError("{Reason}", why);
        throw new ConfigException(why + Environment.NewLine + Failed);
    }

    private static bool TryParseProtocols(string value, out SslProtocols protocols)
    {
        protocols = SslProtocols.None;
        foreach (var p in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p.Equals("TLSv1.2", StringComparison.OrdinalIgnoreCase)) protocols |= SslProtocols.Tls12;
            else if (p.Equals("TLSv1.3", StringComparison.OrdinalIgnoreCase)) protocols |= SslProtocols.Tls13;
            else return false;
        }
        return true; // None: the platform's defaults (TLS 1.2 and 1.3), as Redis leaves OpenSSL's
    }

    /// <summary>What one handshake uses: the certificate, the protocols, and the client check tls-auth-clients asks for.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = _certificate,
        EnabledSslProtocols = _protocols,
        ClientCertificateRequired = AuthClients != "no",
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = ValidateClient,
    };

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors errors)
    {
        if (certificate == null) return AuthClients != "yes";
        if (AuthClients == "no") return true; // not asked for; OpenSSL does not verify what it did not request
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var cert = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(cert);
    }
}
