using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>Signed checkpoints over the acknowledged head.</summary>
internal sealed partial class RedisKeyEventLog
{
    private async Task CheckpointAsync(bool force)
    {
        var now = _time.GetUtcNow();
        if (!_headKnown || _unsignedCount == 0 || _journal is { Entries.Count: > 0 } || now < _nextCheckpointAttempt)
        {
            return;
        }

        if (!force && _unsignedCount < _options.CheckpointEvery && now - _lastCheckpointAt < _options.CheckpointInterval)
        {
            return;
        }

        // Sign only a head that Redis has acknowledged.
        await DrainAsync();
        if (!_headKnown || _unsignedCount == 0 || _journal is { Entries.Count: > 0 })
        {
            return;
        }

        try
        {
            var checkpoint = new AuditCheckpoint
            {
                Node = Node,
                Number = _checkpointNumber + 1,
                FirstSequence = _unsignedFirstSequence,
                LastSequence = _headSequence,
                Count = _unsignedCount,
                FirstTime = _unsignedFirstTime,
                LastTime = _headTime,
                HeadHash = _headHash,
                LastStreamId = AuditRecordCodec.FormatStreamId(_headMilliseconds, _headSequence),
                PreviousSignature = _checkpointSignature,
                SigningKeyId = _signer.KeyId,
                SignedAt = now,
            };
            var signature = await _signer.SignAsync(AuditCheckpointCodec.SignedBytes(checkpoint), _stopping.Token);
            checkpoint = checkpoint with { Signature = Convert.ToBase64String(signature) };
            var fields = AuditCheckpointCodec.ToFields(checkpoint).Select(f => new NameValueEntry(f.Key, f.Value)).ToArray();
            await _redis.GetDatabase().StreamAddAsync(_keys.Checkpoints, fields);
            _checkpointNumber = checkpoint.Number;
            _checkpointSignature = checkpoint.Signature;
            _unsignedCount = 0;
            _lastCheckpointAt = now;
            AuditLog.CheckpointSigned(_logger, Node, checkpoint.Number, checkpoint.FirstSequence, checkpoint.LastSequence);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // A checkpoint is retried later; the events it will cover are already durable.
            AuditLog.CheckpointFailed(_logger, Node, ex);
            _nextCheckpointAttempt = now + TimeSpan.FromSeconds(5);
        }
    }
}
