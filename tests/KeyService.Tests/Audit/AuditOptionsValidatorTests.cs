using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Audit;

public sealed class AuditOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_WithRedis_Succeeds()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Redis = "127.0.0.1:6379", NodeId = "node-1" });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("node{1}")]
    [InlineData("node 1")]
    public void Validate_BadNodeId_Fails(string nodeId)
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Redis = "r", NodeId = nodeId });
        Assert.True(result.Failed);
        Assert.Contains("NodeId", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsEachError()
    {
        var options = new AuditOptions
        {
            Redis = null,
            NodeId = "ok",
            CheckpointEvery = 0,
            MaxBatch = 0,
            Journal = new AuditJournalOptions { Enabled = true, Path = null, MaxBytes = 10 },
        };
        var result = new AuditOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        foreach (var expected in new[] { "Redis", "CheckpointEvery", "MaxBatch", "Journal:Path", "Journal:MaxBytes" })
        {
            Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
