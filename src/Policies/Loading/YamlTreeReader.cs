using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// Turns one YAML file into a <see cref="YamlValue"/> tree using the parser's events and
/// marks. Duplicate keys and unsupported constructs are reported and reading goes on, so
/// one run lists every problem; a syntax error ends that file only.
/// </summary>
internal static class YamlTreeReader
{
    public static YamlValue? Read(string file, string text, ErrorSink errors)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(file, parser, errors);
            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _) && parser.Current is { } next)
            {
                errors.Add(At(file, next.Start), "a policy file holds one YAML document; remove the second '---' document or move it to its own file");
            }

            return root;
        }
        catch (YamlException ex)
        {
            errors.Add(At(file, ex.Start), "YAML syntax error: " + Clean(ex.Message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a position) on some unclosed flow
            // collections; the last event it produced is the nearest place we can name.
            var at = parser.Current is { } current ? current.End : Mark.Empty;
            errors.Add(At(file, at), "YAML syntax error after this point: check for an unclosed '{' or '[', a missing quote, or wrong indentation");
            return null;
        }
    }

    private static YamlValue ReadNode(string file, IParser parser, ErrorSink errors)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return new YamlScalar(At(file, scalar.Start), scalar.Value, scalar.Style == ScalarStyle.Plain);
        }

        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var items = new List<YamlValue>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(file, parser, errors));
            }

            return new YamlList(At(file, sequenceStart.Start), items);
        }

        if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            var entries = new List<KeyValuePair<YamlScalar, YamlValue>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(file, parser, errors);
                var value = ReadNode(file, parser, errors);
                if (keyNode is not YamlScalar key)
                {
                    errors.Add(keyNode.At, "a key must be a single word, not " + keyNode.KindName);
                    continue;
                }

                if (!seen.Add(key.Value))
                {
                    errors.Add(key.At, $"duplicate key '{key.Value}': it is already set above in this mapping");
                    continue;
                }

                entries.Add(new(key, value));
            }

            return new YamlMap(At(file, mappingStart.Start), entries);
        }

        var other = parser.Current!;
        parser.MoveNext();
        errors.Add(At(file, other.Start), "anchors and aliases (*name) are not supported in policy files: write the value out");
        return new YamlScalar(At(file, other.Start), string.Empty, Plain: true);
    }

    private static SourceLocation At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

    // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (...): "; we print our own position.
    private static string Clean(string message)
    {
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
