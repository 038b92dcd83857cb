using System.Security.Cryptography;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>What kind of tampering (or damage) verification found.</summary>
public enum AuditFindingKind
{
    /// <summary>An event's content no longer matches its hash, or its successor's link.</summary>
    Modified,

    /// <summary>An event that is not part of the chain was added.</summary>
    Inserted,

    /// <summary>An event of the chain is missing.</summary>
    Deleted,

    /// <summary>Events are stored out of chain order.</summary>
    Reordered,

    /// <summary>Events at the end of the chain are missing (cut off).</summary>
    Truncated,

    /// <summary>A checkpoint's signature, chain link or range is wrong, or it disagrees with the events.</summary>
    Checkpoint,

    /// <summary>A stored entry is not a well-formed event.</summary>
    Malformed,
}

/// <summary>One finding, naming the first event concerned (by sequence number and stream id).</summary>
public sealed record AuditFinding(string Node, AuditFindingKind Kind, long? Sequence, string? StreamId, string Message);

/// <summary>The verification of one node's chain.</summary>
public sealed record NodeVerification(
    string Node,
    long Events,
    long FirstSequence,
    long LastSequence,
    AuditCheckpoint? LastCheckpoint,
    long UnsignedEvents,
    AuditCheckpoint? StartedAfter,
    IReadOnlyList<AuditFinding> Findings);

/// <summary>The verification of every node asked for.</summary>
public sealed record AuditVerification(IReadOnlyList<NodeVerification> Nodes)
{
    public bool Intact => Nodes.All(n => n.Findings.Count == 0);

    public long Events => Nodes.Sum(n => n.Events);
}

/// <summary>
/// Checks each node's hash chain and signed checkpoints, and names the first event that was
/// modified, inserted, deleted, reordered or cut off. Reads the log once, in chain order,
/// keeping only a bounded look-ahead window in memory.
/// </summary>
public sealed class AuditVerifier
{
    private const int LookAhead = 1000;
    private readonly AuditReader _reader;
    private readonly RSA _publicKey;

    /// <param name="redis">The shared connection.</param>
    /// <param name="keyPrefix">Prefix of the audit keys.</param>
    /// <param name="publicKey">The audit key's public half (from the HSM or an exported PEM).</param>
    public AuditVerifier(IConnectionMultiplexer redis, string keyPrefix, RSA publicKey)
    {
        _reader = new AuditReader(redis, keyPrefix);
        _publicKey = publicKey;
    }

    /// <summary>Verifies <paramref name="node"/> (or every node), from the last checkpoint before <paramref name="since"/> when given.</summary>
    public async Task<AuditVerification> VerifyAsync(string? node, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var nodes = node is null ? await _reader.NodesAsync() : [node];
        var results = new List<NodeVerification>(nodes.Count);
        foreach (var n in nodes)
        {
            results.Add(await VerifyNodeAsync(n, since, cancellationToken));
        }

        return new AuditVerification(results);
    }

    private async Task<NodeVerification> VerifyNodeAsync(string node, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var findings = new List<AuditFinding>();
        var checkpointFindings = new List<AuditFinding>();
        var checkpoints = CheckCheckpoints(node, await _reader.CheckpointsAsync(node), checkpointFindings);
        var bySequence = checkpoints.ToDictionary(c => c.LastSequence);

        // Where the chain starts: genesis, the retention anchor (oldest kept checkpoint whose
        // events were trimmed), or the last checkpoint before --since.
        AuditCheckpoint? anchor = null;
        if (checkpoints.Count > 0 && checkpoints[0].Number > 1)
        {
            anchor = checkpoints[0];
        }

        if (since is { } from)
        {
            anchor = checkpoints.LastOrDefault(c => c.LastTime < from) ?? anchor;
        }

        var expected = (anchor?.LastSequence ?? 0) + 1;
        var previous = anchor?.HeadHash ?? AuditRecordCodec.GenesisHash;
        long count = 0;
        long first = 0;
        await using var events = _reader.ReadAllAsync(node, anchor?.LastStreamId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var window = new List<Entry>();
        Entry? accepted = null;
        var exhausted = false;
        async Task<bool> FillAsync(int size)
        {
            while (window.Count < size && !exhausted)
            {
                if (await events.MoveNextAsync())
                {
                    window.Add(Entry.From(events.Current));
                }
                else
                {
                    exhausted = true;
                }
            }

            return window.Count >= size;
        }

        while (findings.Count == 0 && await FillAsync(1))
        {
            var e = window[0];
            if (e.Record is null)
            {
                findings.Add(new(node, AuditFindingKind.Malformed, null, e.StreamId, $"entry {e.StreamId} is not a well-formed event ({e.Error}): inserted or modified"));
                break;
            }

            if (e.SelfValid && e.Record.Sequence == expected && e.Record.PreviousHash == previous)
            {
                if (first == 0)
                {
                    first = expected;
                }

                count++;
                previous = e.ComputedHash;
                accepted = e;
                if (bySequence.TryGetValue(expected, out var checkpoint) && checkpoint.HeadHash != previous)
                {
                    findings.Add(new(node, AuditFindingKind.Modified, checkpoint.FirstSequence, null,
                        $"events {checkpoint.FirstSequence}-{checkpoint.LastSequence} were rewritten: their chain head does not match signed checkpoint #{checkpoint.Number}"));
                }

                expected++;
                window.RemoveAt(0);
                continue;
            }

            await FillAsync(LookAhead);
            var genuine = window.FindIndex(1, c => c.SelfValid && c.Record?.Sequence == expected && c.Record.PreviousHash == previous);
            var seq = e.Record.Sequence;
            if (seq < expected)
            {
                // Two entries claim the same place: the genuine one is the one its successor links to.
                await FillAsync(2);
                var successor = window.FindIndex(1, c => c.Record?.Sequence == expected);
                var earlierWasForged = seq == expected - 1 && accepted is not null && e.SelfValid &&
                    e.Record.PreviousHash == accepted.Record!.PreviousHash &&
                    successor > 0 && window[successor].Record!.PreviousHash == e.ComputedHash;
                findings.Add(earlierWasForged
                    ? new(node, AuditFindingKind.Inserted, seq, accepted!.StreamId, $"entry {accepted!.StreamId} claims to be event {seq} but the chain continues from {e.StreamId}: inserted")
                    : new(node, AuditFindingKind.Inserted, seq, e.StreamId, $"entry {e.StreamId} repeats sequence {seq}, already in the chain: inserted"));
            }
            else if (seq == expected)
            {
                if (genuine > 0)
                {
                    findings.Add(new(node, AuditFindingKind.Inserted, seq, e.StreamId, $"entry {e.StreamId} before event {expected} is not part of the chain: inserted"));
                }
                else if (!e.SelfValid)
                {
                    findings.Add(new(node, AuditFindingKind.Modified, seq, e.StreamId, $"event {seq} ({e.StreamId}) was modified: its content does not match its hash"));
                }
                else
                {
                    var victim = expected - 1;
                    findings.Add(new(node, AuditFindingKind.Modified, victim >= 1 ? victim : seq, e.StreamId,
                        victim >= 1
                            ? $"event {victim} was modified (hash recomputed): event {seq} ({e.StreamId}) does not link to it"
                            : $"event {seq} ({e.StreamId}) was modified: it does not start the chain"));
                }
            }
            else if (genuine > 0)
            {
                var isSwap = e.SelfValid && seq == expected + 1 && e.Record.PreviousHash == window[genuine].ComputedHash;
                findings.Add(isSwap
                    ? new(node, AuditFindingKind.Reordered, expected, window[genuine].StreamId, $"event {expected} ({window[genuine].StreamId}) is stored after event {seq}: reordered")
                    : new(node, AuditFindingKind.Inserted, seq, e.StreamId, $"entry {e.StreamId} (claims sequence {seq}) before event {expected} is not part of the chain: inserted"));
            }
            else
            {
                findings.Add(new(node, AuditFindingKind.Deleted, expected, null, $"event {expected} is missing (deleted); the next stored event is {seq} ({e.StreamId})"));
            }
        }

        var last = expected - 1;
        if (findings.Count == 0)
        {
            var head = await _reader.HeadAsync(node);
            var lastCheckpoint = checkpoints.Count > 0 ? checkpoints[^1] : null;
            if (lastCheckpoint is not null && lastCheckpoint.LastSequence > last)
            {
                findings.Add(new(node, AuditFindingKind.Truncated, last + 1, null,
                    $"the log ends at event {last} but signed checkpoint #{lastCheckpoint.Number} covers events up to {lastCheckpoint.LastSequence}: events from {last + 1} were cut off"));
            }
            else if (head is { } h && h.Sequence > last)
            {
                findings.Add(new(node, AuditFindingKind.Truncated, last + 1, null,
                    $"the log ends at event {last} but the node's chain head is event {h.Sequence}: events from {last + 1} were cut off"));
            }
            else if (head is { } h2 && h2.Sequence == last && h2.Hash != previous)
            {
                findings.Add(new(node, AuditFindingKind.Modified, last, null, $"event {last} was modified: it does not match the node's stored chain head"));
            }
            else if (head is { } h3 && h3.Sequence < last)
            {
                findings.Add(new(node, AuditFindingKind.Inserted, h3.Sequence + 1, null, $"events {h3.Sequence + 1}-{last} follow the node's chain head (event {h3.Sequence}): inserted"));
            }
        }

        findings.AddRange(checkpointFindings);
        var signedUpTo = checkpoints.Count > 0 ? checkpoints[^1].LastSequence : 0;
        return new NodeVerification(node, count, first, last, checkpoints.Count > 0 ? checkpoints[^1] : null,
            Math.Max(0, last - signedUpTo), anchor, findings);
    }

    /// <summary>Checks signatures, links and ranges of the checkpoints; returns the valid prefix.</summary>
    private List<AuditCheckpoint> CheckCheckpoints(string node, IReadOnlyList<(string StreamId, AuditCheckpoint? Checkpoint, string? Error)> stored, List<AuditFinding> findings)
    {
        var valid = new List<AuditCheckpoint>(stored.Count);
        foreach (var (streamId, checkpoint, error) in stored)
        {
            string? problem = null;
            if (checkpoint is null)
            {
                problem = $"checkpoint entry {streamId} is malformed ({error})";
            }
            else if (!AuditCheckpointCodec.VerifySignature(checkpoint, _publicKey))
            {
                problem = $"checkpoint #{checkpoint.Number} ({streamId}) has an invalid signature";
            }
            else if (checkpoint.Node != node)
            {
                problem = $"checkpoint #{checkpoint.Number} ({streamId}) belongs to node {checkpoint.Node}";
            }
            else if (checkpoint.Count != checkpoint.LastSequence - checkpoint.FirstSequence + 1)
            {
                problem = $"checkpoint #{checkpoint.Number} ({streamId}) has an inconsistent range";
            }
            else if (valid.Count > 0)
            {
                var previous = valid[^1];
                if (checkpoint.Number != previous.Number + 1 || checkpoint.PreviousSignature != previous.Signature || checkpoint.FirstSequence != previous.LastSequence + 1)
                {
                    problem = $"checkpoint #{checkpoint.Number} ({streamId}) does not follow checkpoint #{previous.Number}: a checkpoint was removed, inserted or replaced";
                }
            }
            else if (checkpoint.Number == 1 && (checkpoint.FirstSequence != 1 || checkpoint.PreviousSignature.Length != 0))
            {
                problem = $"checkpoint #1 ({streamId}) does not start the chain";
            }

            if (problem is not null)
            {
                findings.Add(new(node, AuditFindingKind.Checkpoint, checkpoint?.FirstSequence, streamId, problem));
                break;
            }

            valid.Add(checkpoint!);
        }

        return valid;
    }

    private sealed record Entry(string StreamId, AuditRecord? Record, string? Error, string ComputedHash, bool SelfValid)
    {
        public static Entry From(StoredEvent stored)
        {
            var record = stored.TryDecode(out var error);
            var hash = AuditRecordCodec.ComputeHash(stored.Fields);
            return new Entry(stored.StreamId, record, error, hash, record is not null && record.Hash == hash);
        }
    }
}
