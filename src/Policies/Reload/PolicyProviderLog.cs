using Microsoft.Extensions.Logging;

namespace Sovereignty.Policies.Reload;

/// <summary>Log events of the policy provider. Names and ids are a contract for alerting.</summary>
internal static partial class PolicyProviderLog
{
    [LoggerMessage(EventId = 3100, EventName = "PolicyLoaded", Level = LogLevel.Information,
        Message = "Policy '{Name}' {Version} loaded from {Directory} ({RuleCount} rules)")]
    public static partial void PolicyLoaded(ILogger logger, string name, string version, string directory, int ruleCount);

    [LoggerMessage(EventId = 3101, EventName = "PolicyReloadRejected", Level = LogLevel.Error,
        Message = "Policy change in {Directory} ({RejectedVersion}) rejected with {ErrorCount} error(s); keeping {Version}:\n{Errors}")]
    public static partial void PolicyReloadRejected(ILogger logger, string directory, string rejectedVersion, int errorCount, string version, string errors);

    [LoggerMessage(EventId = 3102, EventName = "PolicyWatchFailed", Level = LogLevel.Warning,
        Message = "Watching {Directory} failed; changes are picked up by the periodic check only")]
    public static partial void PolicyWatchFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 3103, EventName = "PolicyReloadFailed", Level = LogLevel.Error,
        Message = "Reading the policy in {Directory} failed; keeping {Version}")]
    public static partial void PolicyReloadFailed(ILogger logger, string directory, string version, Exception exception);
}
