namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Signs audit checkpoints with the audit key (RSA, PKCS#1 v1.5, SHA-256), which lives in
/// the HSM under a key class of its own. The seam lets the log be tested without an HSM.
/// </summary>
public interface ICheckpointSigner
{
    /// <summary>Identifies the signing key (e.g. its class, version and key id); stored in each checkpoint.</summary>
    string KeyId { get; }

    /// <summary>Signs <paramref name="data"/> (the checkpoint's canonical bytes).</summary>
    Task<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
