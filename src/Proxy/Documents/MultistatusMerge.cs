using System.Xml.Linq;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Merges the PROPFIND answers (207 multistatus) of a route's stores into one: a document's
/// store depends on its label, so a folder's entries are spread over the stores.
/// </summary>
/// <remarks>
/// One entry per path: uploads remove other stores' copies, so a path is normally listed by one
/// store; when two still list it (a folder, which every store that holds something in it has,
/// or a copy not yet removed), the first listing in route order wins, the store reads serve.
/// The first listing is the base: its root element, namespace declarations and prefixes are
/// kept, and the other stores' entries are appended to it. Properties are matched by namespace
/// (<c>DAV:</c>), never by prefix.
/// </remarks>
internal static class MultistatusMerge
{
    /// <summary>WebDAV's namespace.</summary>
    public static readonly XNamespace Dav = "DAV:";

    /// <summary>
    /// Merges <paramref name="listings"/> (in route order, each a store and its parsed 207
    /// answer). Returns the merged document, which is the first listing's with the others'
    /// new entries added, and each entry kept with the store that listed it.
    /// </summary>
    public static MergedListing<TStore> Merge<TStore>(IReadOnlyList<(TStore Store, XDocument Listing)> listings)
    {
        if (listings.Count == 0)
        {
            throw new ArgumentException("At least one listing is needed.", nameof(listings));
        }

        XDocument merged = listings[0].Listing;
        XElement root = merged.Root ?? throw new ArgumentException("A listing has no root element.", nameof(listings));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<(XElement Response, TStore Store)>();
        foreach (XElement response in root.Elements(Dav + "response").ToList())
        {
            if (seen.Add(Key(response)))
            {
                entries.Add((response, listings[0].Store));
            }
            else
            {
                response.Remove();
            }
        }

        foreach ((TStore store, XDocument listing) in listings.Skip(1))
        {
            XAttribute[] declarations = listing.Root is { } other ? [.. other.Attributes().Where(a => a.IsNamespaceDeclaration)] : [];
            foreach (XElement response in listing.Root?.Elements(Dav + "response") ?? [])
            {
                if (!seen.Add(Key(response)))
                {
                    continue;
                }

                var copy = new XElement(response);
                foreach (XAttribute declaration in declarations)
                {
                    // The store's own prefixes for the properties it lists (valid without them, but readable).
                    if (copy.Attribute(declaration.Name) is null)
                    {
                        copy.Add(new XAttribute(declaration));
                    }
                }

                root.Add(copy);
                entries.Add((copy, store));
            }
        }

        return new MergedListing<TStore>(merged, entries);
    }

    /// <summary>
    /// The path an entry names, comparable across stores: absolute URIs reduced to their path,
    /// percent-encoding decoded, a collection's trailing slash dropped (stores differ on it).
    /// </summary>
    public static string Key(XElement response)
    {
        string path = Uri.UnescapeDataString(PathOf(response.Element(Dav + "href")?.Value ?? string.Empty)).TrimEnd('/');
        return path.Length == 0 ? "/" : path;
    }

    /// <summary>The (still percent-encoded) path of an href, which stores give as a path or an absolute URI.</summary>
    public static string PathOf(string href)
    {
        href = href.Trim();
        // Not Uri.TryCreate alone: on Unix it reads "/a/b" as an absolute file URI (and re-escapes '%').
        return !href.StartsWith('/') && Uri.TryCreate(href, UriKind.Absolute, out Uri? absolute) ? absolute.AbsolutePath : href;
    }
}

/// <summary>The result of <see cref="MultistatusMerge.Merge"/>.</summary>
/// <param name="Document">The merged multistatus.</param>
/// <param name="Entries">Its <c>response</c> elements, each with the store that listed it.</param>
internal sealed record MergedListing<TStore>(XDocument Document, IReadOnlyList<(XElement Response, TStore Store)> Entries);
