using System.Text;
using HtmlAgilityPack;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// The visible text of HTML: script, style and comments dropped, entities decoded, a line
/// break after block elements so words of adjacent blocks do not run together.
/// </summary>
internal static class HtmlText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "noscript", "template", "head" };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "title", "section", "article", "header", "footer",
    };

    private static readonly HashSet<string> Cells = new(StringComparer.OrdinalIgnoreCase) { "td", "th" };

    public static string ToText(string html)
    {
        var document = new HtmlDocument { OptionMaxNestedChildNodes = 1000 };
        document.LoadHtml(html);
        var builder = new StringBuilder(html.Length / 2);
        var title = document.DocumentNode.SelectSingleNode("//title");
        if (title is not null)
        {
            builder.Append(HtmlEntity.DeEntitize(title.InnerText)).Append('\n');
        }

        Append(document.DocumentNode, builder);
        return builder.ToString();
    }

    private static void Append(HtmlNode node, StringBuilder builder)
    {
        // Iterative walk: deeply nested hostile HTML must not overflow the stack.
        var stack = new Stack<(HtmlNode Node, bool Closing)>();
        stack.Push((node, false));
        while (stack.Count > 0)
        {
            var (current, closing) = stack.Pop();
            if (closing)
            {
                builder.Append(Cells.Contains(current.Name) ? '\t' : '\n');
                continue;
            }

            switch (current.NodeType)
            {
                case HtmlNodeType.Text:
                    builder.Append(HtmlEntity.DeEntitize(((HtmlTextNode)current).Text));
                    continue;
                case HtmlNodeType.Comment:
                    continue;
                case HtmlNodeType.Element when Skipped.Contains(current.Name):
                    continue;
            }

            if (current.NodeType == HtmlNodeType.Element && (Blocks.Contains(current.Name) || Cells.Contains(current.Name)))
            {
                stack.Push((current, true));
            }

            for (var child = current.LastChild; child is not null; child = child.PreviousSibling)
            {
                stack.Push((child, false));
            }
        }
    }
}
