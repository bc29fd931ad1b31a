using CsvHelper;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// The records of a delimited partner file (CSV, semicolon, pipe, tab), read with CsvHelper over a
/// <see cref="CheckedTextStream"/>. Every record is one line: none of these formats needs a line break inside a
/// field, so a quoted one is a malformed row rather than a way for one bad quote to swallow the rest of the file.
/// </summary>
internal sealed class DelimitedRecords : IAsyncDisposable
{
    private readonly CsvReader reader;
    private readonly string fileName;

    private DelimitedRecords(CsvReader reader, string fileName)
    {
        this.reader = reader;
        this.fileName = fileName;
    }

    public string FileName => fileName;

    /// <summary>The line of the current record.</summary>
    public int LineNumber => (int)reader.LineNumber;

    public FileLine At => new(fileName, LineNumber);

    public int FieldCount => reader.FieldCount;

    public string this[int index] => reader.GetString(index);

    /// <param name="mode"><see cref="CsvMode.Rfc4180"/> for quoted CSV, <see cref="CsvMode.NoEscape"/> where quotes are text.</param>
    public static DelimitedRecords Open(Stream input, string fileName, PartnerText text, char separator, CsvMode mode)
    {
        var options = CsvReaderOptions.Default with
        {
            Separator = separator,
            Mode = mode,
            HasHeader = false,
            Encoding = text.Encoding,
            SkipEmptyLines = false,
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Throw,
            TrimWhitespace = false,
            TrackLineNumbers = true,
        };
        return new DelimitedRecords(CsvReader.Create(new CheckedTextStream(input, fileName, text), options, leaveOpen: false), fileName);
    }

    /// <summary>Moves to the next record; false at the end of the file.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (CsvFormatException e)
        {
            throw new PartnerFileException(fileName, (int)e.LineNumber, $"the row cannot be parsed: {e.Message}");
        }
    }

    /// <summary>Reads the column header, which must be the first line and name exactly these columns.</summary>
    public async ValueTask ReadColumnHeaderAsync(IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var expected = string.Join(reader.Separator, columns);
        if (!await ReadAsync(cancellationToken))
        {
            throw new PartnerFileException(fileName, 1, $"the file is empty; expected the column header {expected}");
        }

        if (!columns.SequenceEqual(Enumerable.Range(0, FieldCount).Select(i => this[i]), StringComparer.Ordinal))
        {
            throw At.Fail($"the column header is not {expected}");
        }
    }

    public void ExpectFieldCount(int count, string record)
    {
        if (FieldCount != count)
        {
            throw At.Fail($"the {record} has {FieldCount} fields; expected {count}");
        }
    }

    public ValueTask DisposeAsync() => reader.DisposeAsync();
}
