namespace Sovereignty.Policies.Validation;

/// <summary>
/// One mistake in a policy file, located so an editor can jump to it.
/// </summary>
/// <param name="File">The file as the caller named the directory (e.g. <c>policies/rules.yaml</c>).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What is wrong and, where possible, what to write instead.</param>
public sealed record PolicyError(string File, int Line, int Column, string Message)
{
    /// <summary>The <c>file:line:col: message</c> form compilers and editors understand.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
