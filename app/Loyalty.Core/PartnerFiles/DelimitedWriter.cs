using CsvHelper;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// Writes the records of a delimited partner file with CsvHelper, one line each. Where the format cannot quote
/// (<see cref="CsvMode.NoEscape"/>), a value holding the separator would silently shift the columns, so it is refused.
/// </summary>
internal sealed class DelimitedWriter : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly CsvWriter writer;
    private readonly char separator;
    private readonly CsvMode mode;

    private DelimitedWriter(CsvWriter writer, char separator, CsvMode mode)
    {
        this.writer = writer;
        this.separator = separator;
        this.mode = mode;
    }

    public static DelimitedWriter Create(Stream output, PartnerText text, char separator, CsvMode mode)
    {
        var options = CsvWriterOptions.Default with
        {
            Separator = separator,
            Mode = mode,
            Quoting = CsvQuoting.WhenNeeded,
            NewLine = text.NewLine,
            // Header, detail and trailer records of one file have different field counts.
            ValidateFieldCount = false,
        };
        // Through a StreamWriter with the strict encoding, so text the file cannot carry throws instead of
        // turning into '?' (Latin-1) or U+FFFD.
        var textWriter = new StreamWriter(output, text.Encoding, BufferSize, leaveOpen: true);
        return new DelimitedWriter(CsvWriter.Create(textWriter, options, leaveOpen: false), separator, mode);
    }

    /// <summary>Writes one record; null fields are empty.</summary>
    /// <exception cref="ArgumentException">A value holds a line break, or the separator where it cannot be quoted.</exception>
    public async ValueTask WriteRecordAsync(IReadOnlyList<string?> fields, CancellationToken cancellationToken)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (field is not null
                && (field.AsSpan().ContainsAny('\r', '\n') || (mode == CsvMode.NoEscape && field.Contains(separator, StringComparison.Ordinal))))
            {
                // The value itself stays out of the message: it may be a card holder's name.
                throw new ArgumentException(
                    $"Field {i + 1} of line {writer.RecordCount + 1} holds a line break or '{separator}', which this format cannot carry.",
                    nameof(fields));
            }
        }

        foreach (var field in fields)
        {
            writer.WriteField(field);
        }

        await writer.EndRecordAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
