using System.Text.RegularExpressions;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// The detector factory the gateway and CLI use: keyword and regex detectors are built
/// here; built-in types come from <see cref="BuiltInDetectorTypes"/>.
/// </summary>
public sealed class DetectorFactory : IDetectorFactory
{
    private readonly Func<DetectorDefinition, IDetector?> _builtIns;

    /// <param name="builtIns">Creates a built-in detector for a definition whose type is in <see cref="BuiltInDetectorTypes.All"/>.</param>
    public DetectorFactory(Func<DetectorDefinition, IDetector?> builtIns)
    {
        _builtIns = builtIns;
    }

    public IDetector? Create(DetectorDefinition definition, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(definition);
        failure = null;
        switch (definition.Type)
        {
            case DetectorDefinition.KeywordsType:
                return new PatternDetector(definition.Name, PatternDetector.CompileKeywords(definition.Keywords), definition.Confidence);
            case DetectorDefinition.RegexType:
                try
                {
                    return new PatternDetector(definition.Name, PatternDetector.CompileRegex(definition.Pattern!), definition.Confidence);
                }
                catch (ArgumentException ex)
                {
                    failure = "invalid regular expression: " + ex.Message;
                    return null;
                }

            default:
                var detector = _builtIns(definition);
                if (detector is null)
                {
                    failure = $"no built-in detector of type '{definition.Type}' is available";
                }

                return detector;
        }
    }

    /// <summary>Checks a pattern compiles, returning the .NET regex error when it does not.</summary>
    internal static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, PatternDetector.MatchTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
