using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// Builds the detector a policy declares. The policy compiler calls it once per detector;
/// a failure is reported as a policy error at the detector's definition.
/// </summary>
public interface IDetectorFactory
{
    /// <summary>Creates the detector, or returns null with <paramref name="failure"/> saying why (e.g. a bad option).</summary>
    IDetector? Create(DetectorDefinition definition, out string? failure);
}
