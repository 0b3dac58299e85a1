using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>
/// A throw-away PKI in PEM files, as redis-server, redis-cli and the server read them: a CA,
/// a server certificate for localhost and 127.0.0.1 (its key also encrypted), a client
/// certificate, and a client certificate from another CA. Deleted on Dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string KeyPassword = "pasteredis-key-pass";

    private TestCertificates(string dir) => Dir = dir;

    public string Dir { get; }
    public string CaCert => Path.Combine(Dir, "ca.crt");
    public string ServerCert => Path.Combine(Dir, "server.crt");
    public string ServerKey => Path.Combine(Dir, "server.key");
    public string ServerKeyEncrypted => Path.Combine(Dir, "server-encrypted.key");
    public string RenewedServerCert => Path.Combine(Dir, "server-renewed.crt");
    public string RenewedServerKey => Path.Combine(Dir, "server-renewed.key");
    public string ClientCert => Path.Combine(Dir, "client.crt");
    public string ClientKey => Path.Combine(Dir, "client.key");
    public string StrangerCert => Path.Combine(Dir, "stranger.crt");
    public string StrangerKey => Path.Combine(Dir, "stranger.key");

    public static TestCertificates Create()
    {
        var certs = new TestCertificates(Directory.CreateTempSubdirectory("pasteredis-tls").FullName);
        using var ca = NewCa("CN=PasteRedis Test CA", out var caKey);
        using var otherCa = NewCa("CN=Some Other CA", out var otherKey);
        File.WriteAllText(certs.CaCert, ca.ExportCertificatePem());

        using var serverKey = IssueServer(ca, caKey, certs.ServerCert, certs.ServerKey);
        using (IssueServer(ca, caKey, certs.RenewedServerCert, certs.RenewedServerKey)) { } // the same name, a new key
        File.WriteAllText(certs.ServerKeyEncrypted, serverKey.ExportEncryptedPkcs8PrivateKeyPem(KeyPassword,
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Issue(new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256), ca, caKey, "1.3.6.1.5.5.7.3.2", certs.ClientCert);
        File.WriteAllText(certs.ClientKey, clientKey.ExportPkcs8PrivateKeyPem());

        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Issue(new CertificateRequest("CN=stranger", strangerKey, HashAlgorithmName.SHA256), otherCa, otherKey, "1.3.6.1.5.5.7.3.2", certs.StrangerCert);
        File.WriteAllText(certs.StrangerKey, strangerKey.ExportPkcs8PrivateKeyPem());
        caKey.Dispose();
        otherKey.Dispose();
        return certs;
    }

    /// <summary>A server certificate for localhost and 127.0.0.1, and its key, in PEM files; returns the key.</summary>
    private static ECDsa IssueServer(X509Certificate2 ca, ECDsa caKey, string certPath, string keyPath)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        Issue(request, ca, caKey, "1.3.6.1.5.5.7.3.1", certPath);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    private static X509Certificate2 NewCa(string subject, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static void Issue(CertificateRequest request, X509Certificate2 ca, ECDsa caKey, string usage, string path)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var generator = X509SignatureGenerator.CreateForECDsa(caKey);
        using var cert = request.Create(ca.SubjectName, generator, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(path, cert.ExportCertificatePem());
    }

    /// <summary>The server-side arguments, redis-server's names: TLS on <paramref name="tlsPort"/>, clients checked against the CA.</summary>
    public string[] ServerArgs(int tlsPort, params string[] extra) =>
        ["--tls-port", tlsPort.ToString(), "--tls-cert-file", ServerCert, "--tls-key-file", ServerKey, "--tls-ca-cert-file", CaCert, .. extra];

    /// <summary>redis-cli's arguments for a TLS connection that trusts the CA and presents the client certificate.</summary>
    public string[] CliArgs(int port, bool withClientCertificate = true) => withClientCertificate
        ? ["-p", port.ToString(), "--tls", "--cacert", CaCert, "--cert", ClientCert, "--key", ClientKey]
        : ["-p", port.ToString(), "--tls", "--cacert", CaCert];

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
