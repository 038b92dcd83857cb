using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Loads the configured trust anchors and intermediates once, at start-up.</summary>
internal static class TrustStoreLoader
{
    public static X509Certificate2Collection Load(IEnumerable<string>? files)
    {
        var collection = new X509Certificate2Collection();
        foreach (var file in files ?? [])
        {
            collection.AddRange(CertificateFiles.Load(file).ToArray());
        }

        return collection;
    }
}
