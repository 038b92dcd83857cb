namespace Sovereignty.Policies.Validation;

/// <summary>
/// Thrown when a policy directory cannot be loaded: carries every error found, so the
/// operator fixes them all in one pass rather than one per restart.
/// </summary>
public sealed class PolicyValidationException : Exception
{
    public PolicyValidationException(IReadOnlyList<PolicyError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    public PolicyValidationException()
        : this([])
    {
    }

    public PolicyValidationException(string message)
        : base(message)
    {
        Errors = [];
    }

    public PolicyValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Every error, in file then position order.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<PolicyError> errors) =>
        $"The policy has {errors.Count} error(s):{Environment.NewLine}"
        + string.Join(Environment.NewLine, errors.Select(e => e.ToString()));
}
