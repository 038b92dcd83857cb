using System.Globalization;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Redis key names of one node's audit data. Every key of a node carries the hash tag
/// <c>{node}</c>, so in Redis Cluster they all live in one slot and one script can write an
/// event and its indexes atomically. Only the node registry (<c>prefix:nodes</c>) is global.
/// </summary>
internal sealed class AuditKeys
{
    private readonly string _base;

    public AuditKeys(string prefix, string node)
    {
        Node = node;
        _base = $"{prefix}:{{{node}}}:";
        Events = _base + "events";
        Head = _base + "head";
        Checkpoints = _base + "checkpoints";
        IndexPattern = _base + "ix:*";
    }

    public string Node { get; }

    /// <summary>The node's main stream: one entry per event, id <c>milliseconds-sequence</c>.</summary>
    public string Events { get; }

    /// <summary>Hash with the chain head: <c>seq</c>, <c>h</c>, <c>ms</c> (last stream id time).</summary>
    public string Head { get; }

    /// <summary>Stream of signed checkpoints.</summary>
    public string Checkpoints { get; }

    /// <summary>SCAN pattern matching every index key of the node (retention trimming).</summary>
    public string IndexPattern { get; }

    public static string NodeRegistry(string prefix) => prefix + ":nodes";

    public string KeyClassIndex(string keyClass) => _base + "ix:key:" + keyClass;

    public string KeyVersionIndex(string keyClass, int version) =>
        _base + "ix:keyv:" + keyClass + ":" + version.ToString(CultureInfo.InvariantCulture);

    public string ActorIndex(string actor) => _base + "ix:actor:" + actor;

    public string ObjectIndex(string objectId) => _base + "ix:obj:" + objectId;

    public string OperationIndex(KeyOperation operation) => _base + "ix:op:" + operation;

    public string ResultIndex(KeyEventResult result) => _base + "ix:res:" + result;

    /// <summary>Hash of key uses per actor in one hour (<c>yyyyMMddHH</c>, UTC).</summary>
    public string HourlyUses(DateTimeOffset time) => _base + "n:uses:" + time.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>Hash of unwraps/decrypts per actor in one day (<c>yyyyMMdd</c>, UTC).</summary>
    public string DailyDecrypts(DateTime day) => _base + "n:decrypt:" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The stream id an index entry points to: members are sequence numbers, scores the id's milliseconds.</summary>
    public static string StreamIdOf(StackExchange.Redis.SortedSetEntry entry) =>
        AuditRecordCodec.FormatStreamId((long)entry.Score, long.Parse((string)entry.Element!, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Every index key an event is written to.</summary>
    public IEnumerable<string> IndexesOf(AuditRecord record)
    {
        yield return KeyClassIndex(record.KeyClass);
        if (record.KeyVersion is { } version)
        {
            yield return KeyVersionIndex(record.KeyClass, version);
        }

        yield return ActorIndex(record.Actor);
        if (record.ObjectId is { } objectId)
        {
            yield return ObjectIndex(objectId);
        }

        yield return OperationIndex(record.Operation);
        if (IsIndexed(record.Result))
        {
            yield return ResultIndex(record.Result);
        }
    }

    /// <summary>
    /// Whether events with <paramref name="result"/> have a result index. Successful uses are
    /// ~98 % of all events: their index would cost Redis one insertion into its largest set
    /// per event and would select almost everything, so a query for them filters what another
    /// index (or the stream) returns instead. Denied and failed attempts, which auditors look
    /// for among millions of successes, keep theirs.
    /// </summary>
    public static bool IsIndexed(KeyEventResult result) => result != KeyEventResult.Ok;

    /// <summary>True for the operations that give someone a data key or a decrypted content key.</summary>
    public static bool IsDecrypt(KeyOperation operation) =>
        operation is KeyOperation.UnwrapDataKey or KeyOperation.DecryptKey;
}
