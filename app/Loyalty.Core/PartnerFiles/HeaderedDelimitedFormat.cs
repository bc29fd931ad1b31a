using System.Runtime.CompilerServices;
using System.Text;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// A column header, then one record per row, then the trailer where the <paramref name="layout"/> has one. Handback
/// rows refer to transaction ids.
/// </summary>
internal sealed class HeaderedDelimitedFormat(PartnerFileSpec spec, HeaderedDelimitedLayout layout) : IPartnerFileFormat
{
    public Encoding Encoding => layout.Text.Encoding;

    public bool HandbackAnswersEveryRow => layout.Trailer is null;

    public async Task<FileTotals> WriteAccrualsAsync(
        Stream output, AccrualBatch batch, IAsyncEnumerable<AccrualLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        spec.ExpectOwnProgramme(batch.ProgrammeCode, nameof(batch));
        await using var file = DelimitedWriter.Create(output, layout.Text, layout.Separator, layout.Mode);
        await file.WriteRecordAsync(layout.AccrualColumnNames, cancellationToken);
        var totals = default(FileTotals);
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            totals = AccrualRows.Next(totals, line);
            await file.WriteRecordAsync(Array.ConvertAll(layout.AccrualColumns, column => ValueOf(column.Field, line)), cancellationToken);
        }

        if (layout.Trailer is { } trailer)
        {
            await file.WriteRecordAsync([trailer, Invariant.Number(totals.Count), Invariant.Number(totals.Sum)], cancellationToken);
        }

        return totals;
    }

    public async Task<AccrualFile> ReadAccrualsAsync(Stream input, string fileName, CancellationToken cancellationToken)
    {
        var (sequence, date) = spec.ExpectAccrualFileName(fileName);
        await using var file = DelimitedRecords.Open(input, fileName, layout.Text, layout.Separator, layout.Mode);
        await file.ReadColumnHeaderAsync(layout.AccrualColumnNames, cancellationToken);
        var (amountColumn, dateColumn) = (layout.ColumnOf(AccrualField.Amount), layout.ColumnOf(AccrualField.RequestDate));
        var amountName = layout.AccrualColumnNames[amountColumn];
        var lines = new List<AccrualLine>();
        var totals = default(FileTotals);
        while (await ReadRowAsync(file, cancellationToken))
        {
            file.ExpectFieldCount(layout.AccrualColumns.Length, "row");
            var at = file.At;
            var amount = at.ParseAmount(file[amountColumn], amountName);
            // Without a trailer to check them against, a sum too big for 64 bits is no reason to refuse the file.
            totals = layout.Trailer is null ? totals : at.Add(totals, amount);
            lines.Add(new AccrualLine(
                lines.Count + 1, Read(AccrualField.TransactionId), Read(AccrualField.MemberId),
                AccrualRows.NullIfEmpty(Read(AccrualField.GivenName)), AccrualRows.NullIfEmpty(Read(AccrualField.Surname)), amount,
                at.ParseDate(file[dateColumn], layout.DateFormat, layout.AccrualColumnNames[dateColumn]), Read(AccrualField.BankCode)));
        }

        if (layout.Trailer is { } trailer)
        {
            file.ExpectFieldCount(3, $"{trailer} trailer");
            var stated = new FileTotals(file.At.ParseCount(file[1], "row count"), file.At.ParseAmount(file[2], "sum"));
            file.At.ExpectTotals(stated, totals, $"sum of {amountName}");
            await ExpectEndAsync(file, trailer, cancellationToken);
        }

        return new AccrualFile(new AccrualBatch(spec.ProgrammeCode, sequence, Invariant.Midnight(date)), lines);

        string Read(AccrualField field) => layout.ColumnOf(field) is >= 0 and var column ? file[column] : "";
    }

    public async Task WriteHandbackAsync(
        Stream output, HandbackHeader header, IReadOnlyList<HandbackLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(lines);
        spec.ExpectOwnProgramme(header.ProgrammeCode, nameof(header));
        var processed = Invariant.Time(header.ProcessedAt, layout.ProcessedTimeFormat ?? layout.DateFormat);
        await using var file = DelimitedWriter.Create(output, layout.Text, layout.Separator, layout.Mode);
        await file.WriteRecordAsync(layout.HandbackColumns, cancellationToken);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            await file.WriteRecordAsync([HandbackRows.TransactionId(line, i + 1), line.Code, line.Text, processed], cancellationToken);
        }

        if (layout.Trailer is { } trailer)
        {
            await file.WriteRecordAsync([trailer, Invariant.Number(lines.Count)], cancellationToken);
        }
    }

    public IAsyncEnumerable<HandbackLine> ReadHandbackLinesAsync(
        Stream input, string fileName, Action<HandbackHeader>? header, CancellationToken cancellationToken)
    {
        var (sequence, date) = spec.ExpectHandbackFileName(fileName);
        return ReadHandbackRowsAsync(
            input, fileName, processed => header?.Invoke(new HandbackHeader(spec.ProgrammeCode, sequence, processed ?? Invariant.Midnight(date))),
            cancellationToken);
    }

    /// <summary>
    /// The rows as they are read, the trailer checked when they end. The file has no header: the first row's
    /// processing time goes to <paramref name="onHeader"/> before that row, or null once the rows end if there are none.
    /// </summary>
    private async IAsyncEnumerable<HandbackLine> ReadHandbackRowsAsync(
        Stream input, string fileName, Action<DateTimeOffset?> onHeader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = DelimitedRecords.Open(input, fileName, layout.Text, layout.Separator, layout.Mode);
        await file.ReadColumnHeaderAsync(layout.HandbackColumns, cancellationToken);
        var count = 0;
        while (await ReadRowAsync(file, cancellationToken))
        {
            file.ExpectFieldCount(layout.HandbackColumns.Length, "row");
            // Parsed on every row, so that any row's bad date refuses the file, though only the first one's is kept.
            var processed = ParseProcessed(file.At, file[3]);
            if (count++ == 0)
            {
                onHeader(processed);
            }

            yield return new HandbackLine(file.LineNumber, file[0], null, file[1], null, null, file[2]);
        }

        if (count == 0)
        {
            onHeader(null);
        }

        if (layout.Trailer is { } trailer)
        {
            file.ExpectFieldCount(2, $"{trailer} trailer");
            file.At.ExpectCount(file.At.ParseCount(file[1], "row count"), count);
            await ExpectEndAsync(file, trailer, cancellationToken);
        }
    }

    private static async ValueTask ExpectEndAsync(DelimitedRecords file, string trailer, CancellationToken cancellationToken)
    {
        if (await file.ReadAsync(cancellationToken))
        {
            throw file.At.Fail($"a record follows the {trailer} trailer");
        }
    }

    private string? ValueOf(AccrualField field, AccrualLine line) => field switch
    {
        AccrualField.TransactionId => line.TransactionId,
        AccrualField.MemberId => line.MemberId,
        AccrualField.GivenName => Name(line.GivenName, line),
        AccrualField.Surname => Name(line.Surname, line),
        AccrualField.Amount => Invariant.Number(line.Amount),
        AccrualField.RequestDate => Invariant.Date(line.RequestDate, layout.DateFormat),
        AccrualField.BankCode => line.BankCode,
        _ => throw new InvalidOperationException($"No accrual column carries {field}."),
    };

    /// <summary>
    /// A Latin-1 file (HALC) cannot carry every name as entered, so DOMAIN.md §5.5 has it replace what it cannot
    /// carry with the FOLD form; the UTF-8 kinds send names untouched.
    /// </summary>
    private string? Name(string? name, AccrualLine line) =>
        name is null || layout.Text.Encoding != PartnerText.Latin1
            ? name
            : NameFold.ToLatin1(name)
                ?? throw new ArgumentException($"Row {line.RowSequence} has a name that ISO-8859-1 cannot carry.", nameof(line));

    private DateTimeOffset ParseProcessed(FileLine at, string text) =>
        layout.ProcessedTimeFormat is { } timeFormat
            ? at.ParseInstant(text, timeFormat, layout.HandbackColumns[3])
            : Invariant.Midnight(at.ParseDate(text, layout.DateFormat, layout.HandbackColumns[3]));

    /// <summary>Moves to the next detail row; false at the end of a file without a trailer, or once on the trailer.</summary>
    /// <exception cref="PartnerFileException">The file ends without its trailer.</exception>
    private async ValueTask<bool> ReadRowAsync(DelimitedRecords file, CancellationToken cancellationToken)
    {
        var previousLine = file.LineNumber;
        if (await file.ReadAsync(cancellationToken))
        {
            return !string.Equals(file[0], layout.Trailer, StringComparison.Ordinal);
        }

        return layout.Trailer is null
            ? false
            : throw new FileLine(file.FileName, previousLine).Fail($"the file ends after this line without its {layout.Trailer} trailer");
    }
}
