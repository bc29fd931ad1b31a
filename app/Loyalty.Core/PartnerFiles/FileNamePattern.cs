using System.Globalization;
using System.Text.RegularExpressions;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// A partner file-name pattern as DOMAIN.md §5 writes it, such as <c>CORV_ACC_{yyyyMMdd}_{seq:D5}.csv</c>: literal
/// text with one date placeholder (a fixed-width format of <c>yyyy</c>, <c>MM</c>, <c>dd</c>, <c>-</c> and <c>.</c>)
/// and one zero-padded file sequence placeholder. A name matches only exactly: case-sensitive, whole name.
/// </summary>
public sealed partial class FileNamePattern
{
    private readonly Part[] parts;
    private readonly int sequenceWidth;

    public FileNamePattern(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        Template = template;
        parts = Parse(template);
        sequenceWidth = parts.Single(p => p.Kind == PartKind.Sequence).Width;
    }

    private enum PartKind
    {
        Literal,
        Sequence,
        Date,
    }

    public string Template { get; }

    /// <summary>The largest sequence the pattern can carry; the field is fixed width, so a longer one cannot be named.</summary>
    public int MaxSequence => (int)Math.Pow(10, sequenceWidth) - 1;

    /// <exception cref="ArgumentOutOfRangeException">The sequence is below 1 or wider than the pattern's field.</exception>
    public string Format(int sequence, DateOnly date)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, MaxSequence);
        return string.Concat(parts.Select(part => part.Kind switch
        {
            PartKind.Literal => part.Text,
            PartKind.Sequence => sequence.ToString($"D{part.Width}", CultureInfo.InvariantCulture),
            _ => date.ToString(part.Text, CultureInfo.InvariantCulture),
        }));
    }

    public bool TryParse(string fileName, out int sequence, out DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        sequence = 0;
        date = default;
        var position = 0;
        foreach (var part in parts)
        {
            if (fileName.Length - position < part.Width)
            {
                return false;
            }

            var text = fileName.AsSpan(position, part.Width);
            var matches = part.Kind switch
            {
                PartKind.Literal => text.SequenceEqual(part.Text),
                PartKind.Sequence => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out sequence),
                _ => DateOnly.TryParseExact(text, part.Text, CultureInfo.InvariantCulture, DateTimeStyles.None, out date),
            };
            if (!matches)
            {
                return false;
            }

            position += part.Width;
        }

        // Formatting back catches what lenient parsing would let through, so only the one canonical name matches.
        return position == fileName.Length && sequence >= 1
            && string.Equals(Format(sequence, date), fileName, StringComparison.Ordinal);
    }

    public override string ToString() => Template;

    private static Part[] Parse(string template)
    {
        var parts = new List<Part>();
        var position = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            AddLiteral(parts, template[position..match.Index]);
            parts.Add(match.Groups["width"].Success
                ? new Part(PartKind.Sequence, "", int.Parse(match.Groups["width"].ValueSpan, CultureInfo.InvariantCulture))
                : new Part(PartKind.Date, match.Groups["date"].Value, match.Groups["date"].Length));
            position = match.Index + match.Length;
        }

        AddLiteral(parts, template[position..]);
        if (parts.Count(p => p.Kind == PartKind.Sequence) != 1 || parts.Count(p => p.Kind == PartKind.Date) != 1)
        {
            throw new ArgumentException(
                $"'{template}' must have exactly one {{seq:Dn}} and one date placeholder ({{yyyyMMdd}}, …).", nameof(template));
        }

        return [.. parts];
    }

    private static void AddLiteral(List<Part> parts, string text)
    {
        if (text.AsSpan().ContainsAny('{', '}'))
        {
            throw new ArgumentException($"'{text}' holds a placeholder this pattern language does not know.", nameof(text));
        }

        if (text.Length > 0)
        {
            parts.Add(new Part(PartKind.Literal, text, text.Length));
        }
    }

    // A date placeholder is made of whole yyyy/MM/dd fields so its width is fixed and a name can be split without
    // separators between placeholders (LUMO{seq:D6}{yyyyMMdd}.DAT).
    [GeneratedRegex(@"\{(?:seq:D(?<width>[1-9])|(?<date>(?:yyyy|MM|dd|[-.])+))\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    /// <param name="Text">The literal text, or the date format.</param>
    /// <param name="Width">How many characters of a name the part takes.</param>
    private sealed record Part(PartKind Kind, string Text, int Width);
}
