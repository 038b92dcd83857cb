using Microsoft.Extensions.Options;

namespace Sovereignty.Policies.Reload;

/// <summary>Where the policy lives and how changes are picked up.</summary>
/// <remarks>
/// Defaults: watch the directory, wait 500 ms after the last change before reloading (an
/// editor or <c>git checkout</c> writes several files), and compare content hashes every
/// 30 s in case the file system does not deliver events (NFS, some container mounts).
/// </remarks>
public sealed class PolicyProviderOptions
{
    public const string Section = "Sovereignty:Policy";

    /// <summary>The policy directory (required).</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>Whether to watch the directory with a file system watcher.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Quiet time after the last file event before the directory is reloaded.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Interval of the content-hash check that catches changes the watcher missed; zero disables it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Validates <see cref="PolicyProviderOptions"/> at start-up.</summary>
public sealed class PolicyProviderOptionsValidator : IValidateOptions<PolicyProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add($"{PolicyProviderOptions.Section}:Directory is required (the policy directory)");
        }

        if (options.Debounce < TimeSpan.Zero || options.Debounce > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{PolicyProviderOptions.Section}:Debounce must be between 0 and 1 minute, not {options.Debounce}");
        }

        if (options.PollInterval < TimeSpan.Zero)
        {
            errors.Add($"{PolicyProviderOptions.Section}:PollInterval must be 0 (off) or positive, not {options.PollInterval}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
