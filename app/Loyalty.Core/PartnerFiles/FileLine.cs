using System.Globalization;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// A line of a partner file being read, so that a value that does not parse refuses the file with its line.
/// Numbers are plain ASCII digits: no sign, no spaces, no separators.
/// </summary>
internal readonly record struct FileLine(string FileName, int Number)
{
    // 18 digits always fit a long, so no digit string can overflow it.
    private const int MaxDigits = 18;

    public PartnerFileException Fail(string reason) => new(FileName, Number, reason);

    public long ParseAmount(string text, string field) =>
        text.Length is > 0 and <= MaxDigits && !text.AsSpan().ContainsAnyExceptInRange('0', '9')
            ? long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw Fail($"{field} '{text}' is not a whole number");

    /// <summary>A row or file sequence, or a count: a whole number that fits an <see cref="int"/>.</summary>
    public int ParseCount(string text, string field)
    {
        var value = ParseAmount(text, field);
        return value <= int.MaxValue ? (int)value : throw Fail($"{field} {value} is too large");
    }

    public DateOnly ParseDate(string text, string format, string field) =>
        DateOnly.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Fail($"{field} '{text}' is not a date of the form {format}");

    /// <summary>A UTC date and time written without an offset, or with the <c>Z</c> the format puts in it.</summary>
    public DateTimeOffset ParseInstant(string text, string format, string field) =>
        DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? new DateTimeOffset(instant, TimeSpan.Zero)
            : throw Fail($"{field} '{text}' is not a time of the form {format}");

    /// <summary>Adds a detail row's amount to the running totals a trailer is checked against.</summary>
    public FileTotals Add(FileTotals totals, long amount)
    {
        try
        {
            return totals.Add(amount);
        }
        catch (OverflowException)
        {
            throw Fail("the amounts add up to more than a 64-bit sum");
        }
    }

    /// <summary>Refuses the file when a trailer's count or sum disagrees with the rows before it.</summary>
    public void ExpectTotals(FileTotals stated, FileTotals rows, string sumName)
    {
        ExpectCount(stated.Count, rows.Count);
        if (stated.Sum != rows.Sum)
        {
            throw Fail($"the trailer states a {sumName} of {stated.Sum} but the rows add up to {rows.Sum}");
        }
    }

    public void ExpectCount(int stated, int rows)
    {
        if (stated != rows)
        {
            throw Fail($"the trailer states {stated} rows but the file has {rows}");
        }
    }

    /// <summary>Refuses a header that names another file sequence than the file name does.</summary>
    public void ExpectSequence(int headerSequence, int fileNameSequence)
    {
        if (headerSequence != fileNameSequence)
        {
            throw Fail($"the header's file sequence {headerSequence} is not the file name's {fileNameSequence}");
        }
    }

    public void Expect(string actual, string expected, string field)
    {
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw Fail($"{field} is '{actual}', expected '{expected}'");
        }
    }
}
