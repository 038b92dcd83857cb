using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Hosting;

/// <summary>Checks <see cref="ServeOptions"/> at start-up.</summary>
internal sealed class ServeOptionsValidator : IValidateOptions<ServeOptions>
{
    public ValidateOptionsResult Validate(string? name, ServeOptions options)
    {
        var errors = new List<string>();
        string section = ServeOptions.SectionName;
        if (options.ShutdownTimeout < TimeSpan.Zero || options.ShutdownTimeout > TimeSpan.FromMinutes(30))
        {
            errors.Add($"{section}:ShutdownTimeout must be between 0 and 30 minutes (got {options.ShutdownTimeout}).");
        }

        if (options.MaxRequestBodyBytes < 1)
        {
            errors.Add($"{section}:MaxRequestBodyBytes must be positive (got {options.MaxRequestBodyBytes}).");
        }

        if (options.ReadinessTimeout <= TimeSpan.Zero || options.ReadinessTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{section}:ReadinessTimeout must be between 0 and 1 minute (got {options.ReadinessTimeout}).");
        }

        if (options.ReadinessCacheDuration < TimeSpan.Zero || options.ReadinessCacheDuration > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{section}:ReadinessCacheDuration must be between 0 and 5 minutes (got {options.ReadinessCacheDuration}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
