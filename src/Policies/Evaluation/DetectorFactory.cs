using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// The detector factory the gateway and CLI use: maps a policy's detector definition to
/// the built-in, keyword or regex detector with the policy's context, count and
/// confidence settings.
/// </summary>
public sealed class DetectorFactory : IDetectorFactory
{
    public static DetectorFactory Default { get; } = new();

    public IDetector? Create(DetectorDefinition definition, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var settings = new DetectorSettings
        {
            Name = definition.Name,
            Keywords = definition.Keywords,
            Pattern = definition.Pattern,
            CaseSensitive = definition.CaseSensitive,
            ContextWords = definition.ContextWords,
            ContextDistance = definition.ContextDistance,
            ContextUnit = definition.ContextInWords ? ContextDistanceUnit.Words : ContextDistanceUnit.Characters,
            RequireContext = definition.RequireContext,
            MinCount = definition.MinCount,
            Confidence = definition.Confidence,
            ContextConfidence = definition.ContextConfidence,
        };

        var problems = DetectorSettingsValidator.Validate(settings);
        if (problems.Count > 0)
        {
            failure = string.Join("; ", problems);
            return null;
        }

        try
        {
            failure = null;
            switch (definition.Type)
            {
                case DetectorDefinition.KeywordsType:
                    return new KeywordDetector(settings);
                case DetectorDefinition.RegexType:
                    return new RegexDetector(settings);
                default:
                    if (BuiltInDetectors.TryCreate(definition.Type, settings, out var detector))
                    {
                        return detector;
                    }

                    failure = $"no built-in detector of type '{definition.Type}'";
                    return null;
            }
        }
        catch (ArgumentException ex)
        {
            failure = ex.Message;
            return null;
        }
    }
}
