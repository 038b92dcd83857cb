using Microsoft.Extensions.Options;

namespace Sovereignty.KeyService.Audit;

/// <summary>Deployment settings of the audit log (section <c>Sovereignty:Audit</c>).</summary>
/// <remarks>
/// Defaults: node id = machine name, checkpoint every 1,000 events or 60 s, retention
/// 400 days, batches of up to 512 events, no replica wait, journal off. See docs/audit-log.md.
/// </remarks>
public sealed class AuditOptions
{
    public const string SectionName = "Sovereignty:Audit";

    /// <summary>StackExchange.Redis connection string (single server, several endpoints for Cluster, or <c>serviceName=</c> for Sentinel).</summary>
    public string? Redis { get; set; }

    /// <summary>This node's id: its own hash chain. Letters, digits, '.', '-' and '_' only.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>Prefix of every Redis key.</summary>
    public string KeyPrefix { get; set; } = "audit";

    /// <summary>A checkpoint is signed after this many events ...</summary>
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>... or after this time with at least one unsigned event, whichever comes first.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Name of the HSM key pair (<c>Sovereignty:Hsm:KeyPairs</c>) that signs checkpoints: a key of its own.</summary>
    public string CheckpointKeyPair { get; set; } = "audit-checkpoints";

    /// <summary>Events older than this are trimmed (at a checkpoint boundary). Zero keeps everything.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>At most this many events go to Redis in one atomic script call.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Events waiting for the writer; callers wait when it is full.</summary>
    public int QueueCapacity { get; set; } = 65536;

    /// <summary>When above zero, each batch waits (Redis <c>WAIT</c>) until that many replicas acknowledged it, or fails.</summary>
    public int WaitForReplicas { get; set; }

    /// <summary>How long a batch waits for its replicas.</summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The local journal used during a Redis outage (off by default).</summary>
    public AuditJournalOptions Journal { get; set; } = new();
}

/// <summary>A local fsync'd journal that holds events while Redis is unreachable.</summary>
public sealed class AuditJournalOptions
{
    public bool Enabled { get; set; }

    /// <summary>Journal file; required when enabled. Keep it on a local disk that survives restarts.</summary>
    public string? Path { get; set; }

    /// <summary>When the journal holds this many bytes the node fails closed.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How often the node retries Redis while the journal holds events.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Checks <see cref="AuditOptions"/> as a whole at start-up.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            errors.Add("Sovereignty:Audit:Redis: a Redis connection string is required.");
        }

        if (!IsValidNodeId(options.NodeId))
        {
            errors.Add($"Sovereignty:Audit:NodeId: '{options.NodeId}' must be 1-64 letters, digits, '.', '-' or '_'.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Contains('{', StringComparison.Ordinal) || options.KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            errors.Add("Sovereignty:Audit:KeyPrefix: must be non-empty and contain no braces.");
        }

        if (string.IsNullOrWhiteSpace(options.CheckpointKeyPair))
        {
            errors.Add("Sovereignty:Audit:CheckpointKeyPair: the name of the audit key pair is required.");
        }

        if (options.CheckpointEvery < 1)
        {
            errors.Add("Sovereignty:Audit:CheckpointEvery: must be at least 1.");
        }

        if (options.CheckpointInterval <= TimeSpan.Zero)
        {
            errors.Add("Sovereignty:Audit:CheckpointInterval: must be positive.");
        }

        if (options.Retention < TimeSpan.Zero)
        {
            errors.Add("Sovereignty:Audit:Retention: must be zero (keep all) or positive.");
        }

        if (options.MaxBatch is < 1 or > 2048)
        {
            errors.Add("Sovereignty:Audit:MaxBatch: must be between 1 and 2048 (Lua unpack limit).");
        }

        if (options.QueueCapacity < options.MaxBatch)
        {
            errors.Add("Sovereignty:Audit:QueueCapacity: must be at least MaxBatch.");
        }

        if (options.WaitForReplicas < 0)
        {
            errors.Add("Sovereignty:Audit:WaitForReplicas: must be zero or positive.");
        }

        if (options.Journal.Enabled)
        {
            if (string.IsNullOrWhiteSpace(options.Journal.Path))
            {
                errors.Add("Sovereignty:Audit:Journal:Path: required when the journal is enabled.");
            }

            if (options.Journal.MaxBytes < 4096)
            {
                errors.Add("Sovereignty:Audit:Journal:MaxBytes: must be at least 4096.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static bool IsValidNodeId(string? nodeId) =>
        !string.IsNullOrEmpty(nodeId) && nodeId.Length <= 64 &&
        nodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
