namespace Sovereignty.Policies.Model;

/// <summary>A document store (e.g. a SharePoint site collection) and where it keeps data.</summary>
public sealed record DocumentStore(string Name, string Residency, string? Description, SourceLocation At);
