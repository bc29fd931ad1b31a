namespace Loyalty.Core.PartnerFiles;

internal enum FieldAlignment
{
    Left,
    Right,
}

/// <summary>
/// One field of a fixed-width record, by its 1-based inclusive columns as partner specifications state them.
/// </summary>
internal sealed record FixedWidthField(string Name, int First, int Last, FieldAlignment Alignment, char Padding)
{
    public int Length => Last - First + 1;

    /// <summary>Digits, right-aligned and zero-padded.</summary>
    public static FixedWidthField Number(string name, int first, int last) => new(name, first, last, FieldAlignment.Right, '0');

    /// <summary>Text, left-aligned and space-padded.</summary>
    public static FixedWidthField Text(string name, int first, int last) => new(name, first, last, FieldAlignment.Left, ' ');

    public override string ToString() => $"{Name} (columns {First}-{Last})";
}

/// <summary>
/// A fixed-width record layout as data: fields at fixed columns, every other column a space, the whole record padded
/// with spaces to its length.
/// </summary>
internal sealed class FixedWidthLayout
{
    private readonly FixedWidthField[] fields;

    /// <param name="fields">In column order, not overlapping, inside the record.</param>
    public FixedWidthLayout(int recordLength, params FixedWidthField[] fields)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recordLength, 1);
        var nextFree = 1;
        foreach (var field in fields)
        {
            if (field.First < nextFree || field.Last < field.First || field.Last > recordLength)
            {
                throw new ArgumentException($"{field} overlaps another field or lies outside a {recordLength}-column record.", nameof(fields));
            }

            nextFree = field.Last + 1;
        }

        RecordLength = recordLength;
        this.fields = fields;
    }

    public int RecordLength { get; }

    /// <summary>The record holding <paramref name="values"/>, one per field in order, aligned and padded.</summary>
    /// <exception cref="ArgumentException">A value is longer than its field, or a number field's value is not digits.</exception>
    public string Write(params ReadOnlySpan<string> values)
    {
        if (values.Length != fields.Length)
        {
            throw new ArgumentException($"The layout has {fields.Length} fields; {values.Length} values were given.", nameof(values));
        }

        Span<char> record = stackalloc char[RecordLength];
        record.Fill(' ');
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            var value = values[i];
            if (value.Length > field.Length
                || (field.Padding == '0' && value.AsSpan().ContainsAnyExceptInRange('0', '9')))
            {
                throw new ArgumentException($"'{value}' does not fit {field}.", nameof(values));
            }

            var column = record.Slice(field.First - 1, field.Length);
            column.Fill(field.Padding);
            value.CopyTo(field.Alignment == FieldAlignment.Left ? column : column[(field.Length - value.Length)..]);
        }

        return new string(record);
    }

    /// <summary>
    /// The raw text of each field, padding included, so that values are kept exactly as written; number fields are
    /// left for the caller to parse.
    /// </summary>
    /// <exception cref="PartnerFileException">The record has the wrong length, or something in a column no field owns.</exception>
    public string[] Read(string record, FileLine at)
    {
        if (record.Length != RecordLength)
        {
            throw at.Fail($"the record is {record.Length} characters long; this record type has {RecordLength}");
        }

        var values = new string[fields.Length];
        var nextFree = 1;
        for (var i = 0; i < fields.Length; i++)
        {
            ExpectSpaces(record, nextFree, fields[i].First - 1, at);
            values[i] = record.Substring(fields[i].First - 1, fields[i].Length);
            nextFree = fields[i].Last + 1;
        }

        ExpectSpaces(record, nextFree, RecordLength, at);
        return values;
    }

    private static void ExpectSpaces(string record, int first, int last, FileLine at)
    {
        if (first <= last && record.AsSpan(first - 1, last - first + 1).ContainsAnyExcept(' '))
        {
            throw at.Fail($"columns {first}-{last} must be spaces");
        }
    }
}
