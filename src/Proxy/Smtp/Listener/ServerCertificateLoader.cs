using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>Loads the STARTTLS certificate: a PFX file, or a PEM certificate (chain) and key.</summary>
internal static class ServerCertificateLoader
{
    public static SslStreamCertificateContext? Load(SmtpTlsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return null;
        }

        X509Certificate2 certificate;
        X509Certificate2Collection? chain = null;
        if (options.KeyPath is not null)
        {
            certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);
            chain = [];
            chain.ImportFromPemFile(options.CertificatePath);
            chain.RemoveAt(0);
        }
        else
        {
            var password = options.PasswordFile is null ? null : File.ReadLines(options.PasswordFile).FirstOrDefault();
            certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, password);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{SmtpRelayOptions.SectionName}:Tls:CertificatePath '{options.CertificatePath}' has no private key.");
        }

        // Linux SslStream needs an exportable-less key it can hand to OpenSSL: re-import
        // the PFX form once, so handshakes do not pay for it.
        if (OperatingSystem.IsLinux() && options.KeyPath is not null)
        {
            var pfx = certificate.Export(X509ContentType.Pkcs12);
            certificate.Dispose();
            certificate = X509CertificateLoader.LoadPkcs12(pfx, null);
        }

        return SslStreamCertificateContext.Create(certificate, chain, offline: true);
    }
}
