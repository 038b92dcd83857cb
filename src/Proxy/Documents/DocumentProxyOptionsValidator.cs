using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Documents;

/// <summary>Checks <see cref="DocumentProxyOptions"/> at start-up, naming every mistake at once.</summary>
internal sealed class DocumentProxyOptionsValidator : IValidateOptions<DocumentProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, DocumentProxyOptions options)
    {
        var errors = new List<string>();
        string section = DocumentProxyOptions.SectionName;
        if (!Directory.Exists(options.PolicyDirectory))
        {
            errors.Add($"{section}:PolicyDirectory '{options.PolicyDirectory}' does not exist.");
        }

        if (options.InspectionWindowBytes is < 4096 or > 256 * 1024 * 1024)
        {
            errors.Add($"{section}:InspectionWindowBytes must be between 4096 and 268435456 (got {options.InspectionWindowBytes}).");
        }

        if (options.ConcurrentLargeInspections is < 1 or > 1024)
        {
            errors.Add($"{section}:ConcurrentLargeInspections must be between 1 and 1024 (got {options.ConcurrentLargeInspections}).");
        }

        if (options.ProbeBytes is < 512 or > 1024 * 1024)
        {
            errors.Add($"{section}:ProbeBytes must be between 512 and 1048576 (got {options.ProbeBytes}).");
        }

        if (options.RetryAfterSeconds is < 1 or > 3600)
        {
            errors.Add($"{section}:RetryAfterSeconds must be between 1 and 3600 (got {options.RetryAfterSeconds}).");
        }

        if (options.MaxPropfindResponseBytes < 64 * 1024)
        {
            errors.Add($"{section}:MaxPropfindResponseBytes must be at least 65536 (got {options.MaxPropfindResponseBytes}).");
        }

        if (options.PropfindProbeConcurrency is < 1 or > 64)
        {
            errors.Add($"{section}:PropfindProbeConcurrency must be between 1 and 64 (got {options.PropfindProbeConcurrency}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
