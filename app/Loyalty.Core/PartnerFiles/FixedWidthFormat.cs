using System.Runtime.CompilerServices;
using System.Text;
using static Loyalty.Core.PartnerFiles.FixedWidthField;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// Fixed-width records (DOMAIN.md §5.4, LUMO): record type <c>1</c> header, <c>2</c> detail, <c>9</c> trailer, every
/// record padded with spaces to 66 (accrual) or 52 (handback) columns, ASCII, CRLF. No names are sent (rule
/// <c>NONE</c>). Handback rows refer to transaction ids; their row sequence column is informative only.
/// </summary>
internal sealed class FixedWidthFormat(PartnerFileSpec spec) : IPartnerFileFormat
{
    public Encoding Encoding => Text.Encoding;

    // The row sequence and the trailer count are six digits wide (DOMAIN.md §5.4).
    public int MaxRowsPerFile => 999_999;

    private const string DateFormat = "yyyyMMdd";

    private static readonly PartnerText Text = new(PartnerText.Ascii, LineEnding.CrLf, ToleratesByteOrderMark: false);

    private static readonly RecordLayouts Accruals = new(
        Header(66),
        new FixedWidthLayout(66, RecordType, Number("row sequence", 2, 7), Text("transaction id", 8, 33), Text("member id", 34, 45),
            Number("points", 46, 54), Number("request date", 55, 62), Text("bank code", 63, 66)),
        Trailer(66));

    private static readonly RecordLayouts Handbacks = new(
        Header(52),
        new FixedWidthLayout(52, RecordType, Number("row sequence", 2, 7), Text("transaction id", 8, 33), Text("code", 34, 35),
            Number("credited", 36, 44), Number("processed date", 45, 52)),
        Trailer(52));

    private static FixedWidthField RecordType => Text("record type", 1, 1);

    public async Task<FileTotals> WriteAccrualsAsync(
        Stream output, AccrualBatch batch, IAsyncEnumerable<AccrualLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        spec.ExpectOwnProgramme(batch.ProgrammeCode, nameof(batch));
        var sink = new LineSink(output, Text);
        await WriteLineAsync(sink, Accruals.Header.Write(HeaderValues(batch.FileSequence, batch.FileDate)), cancellationToken);
        var totals = default(FileTotals);
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            totals = AccrualRows.Next(totals, line);
            var record = Accruals.Detail.Write(
                "2", Invariant.Number(line.RowSequence), line.TransactionId, line.MemberId, Invariant.Number(line.Amount),
                Invariant.Date(line.RequestDate, DateFormat), line.BankCode);
            await WriteLineAsync(sink, record, cancellationToken);
        }

        await WriteLineAsync(sink, Accruals.Trailer.Write(TrailerValues(totals)), cancellationToken);
        await sink.CompleteAsync(cancellationToken);
        return totals;
    }

    public async Task<AccrualFile> ReadAccrualsAsync(Stream input, string fileName, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectAccrualFileName(fileName);
        var date = default(DateOnly);
        var lines = await ReadRecordsAsync(
                input, fileName, sequence, Accruals, ReadAccrualRow, line => line.Amount, stated => date = stated, cancellationToken)
            .ToListAsync(cancellationToken);
        return new AccrualFile(new AccrualBatch(spec.ProgrammeCode, sequence, Invariant.Midnight(date)), lines);
    }

    public async Task WriteHandbackAsync(
        Stream output, HandbackHeader header, IReadOnlyList<HandbackLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(lines);
        spec.ExpectOwnProgramme(header.ProgrammeCode, nameof(header));
        var processed = Invariant.Date(header.FileDate, DateFormat);
        var sink = new LineSink(output, Text);
        await WriteLineAsync(sink, Handbacks.Header.Write(HeaderValues(header.FileSequence, header.FileDate)), cancellationToken);
        var totals = default(FileTotals);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var credited = HandbackRows.Credited(line, i + 1);
            totals = totals.Add(credited);
            // Rows refer to transaction ids, which is all HandbackLine carries for LUMO; the row sequence column
            // numbers the rows in file order.
            var record = Handbacks.Detail.Write(
                "2", Invariant.Number(i + 1), HandbackRows.TransactionId(line, i + 1), line.Code, Invariant.Number(credited), processed);
            await WriteLineAsync(sink, record, cancellationToken);
        }

        await WriteLineAsync(sink, Handbacks.Trailer.Write(TrailerValues(totals)), cancellationToken);
        await sink.CompleteAsync(cancellationToken);
    }

    public IAsyncEnumerable<HandbackLine> ReadHandbackLinesAsync(
        Stream input, string fileName, Action<HandbackHeader>? header, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectHandbackFileName(fileName);
        return ReadRecordsAsync(
            input, fileName, sequence, Handbacks, ReadHandbackRow, line => line.Credited ?? 0,
            date => header?.Invoke(new HandbackHeader(spec.ProgrammeCode, sequence, Invariant.Midnight(date))), cancellationToken);
    }

    private static FixedWidthLayout Header(int recordLength) =>
        new(recordLength, RecordType, Text("programme", 2, 5), Number("file sequence", 6, 11), Number("date", 12, 19));

    private static FixedWidthLayout Trailer(int recordLength) =>
        new(recordLength, RecordType, Number("detail count", 2, 7), Number("sum", 8, 19));

    private static string[] TrailerValues(FileTotals totals) => ["9", Invariant.Number(totals.Count), Invariant.Number(totals.Sum)];

    private static ValueTask WriteLineAsync(LineSink sink, string record, CancellationToken cancellationToken)
    {
        sink.WriteText(record);
        return sink.EndLineAsync(cancellationToken);
    }

    private static AccrualLine ReadAccrualRow(string[] values, FileLine at) => new(
        at.ParseCount(values[1], "row sequence"), values[2], values[3], null, null, at.ParseAmount(values[4], "points"),
        at.ParseDate(values[5], DateFormat, "request date"), values[6]);

    private static HandbackLine ReadHandbackRow(string[] values, FileLine at)
    {
        at.ParseCount(values[1], "row sequence");
        at.ParseDate(values[5], DateFormat, "processed date");
        return new HandbackLine(at.Number, values[2], null, values[3], at.ParseAmount(values[4], "credited"), null, null);
    }

    private string[] HeaderValues(int sequence, DateOnly date) =>
        ["1", spec.ProgrammeCode, Invariant.Number(sequence), Invariant.Date(date, DateFormat)];

    /// <summary>
    /// The 1/2/9 structure both directions share: the header's date (to <paramref name="onHeader"/>, before the first
    /// row), then the detail rows as they are read; the trailer is checked when they end.
    /// </summary>
    private async IAsyncEnumerable<T> ReadRecordsAsync<T>(
        Stream input, string fileName, int sequence, RecordLayouts layouts, Func<string[], FileLine, T> readRow,
        Func<T, long> amountOf, Action<DateOnly> onHeader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(
            new CheckedTextStream(input, fileName, Text), Text.Encoding, detectEncodingFromByteOrderMarks: false);
        var at = new FileLine(fileName, 1);
        var record = await reader.ReadLineAsync(cancellationToken)
            ?? throw at.Fail("the file is empty; expected the 1 header record");
        if (!record.StartsWith('1'))
        {
            throw at.Fail("the first record is not the 1 header record");
        }

        var header = layouts.Header.Read(record, at);
        at.Expect(header[1], spec.ProgrammeCode, "the header's programme");
        at.ExpectSequence(at.ParseCount(header[2], "the header's file sequence"), sequence);
        onHeader(at.ParseDate(header[3], DateFormat, "the header's date"));
        var totals = default(FileTotals);
        while (true)
        {
            record = await reader.ReadLineAsync(cancellationToken)
                ?? throw at.Fail("the file ends after this line without its 9 trailer record");
            at = at with { Number = at.Number + 1 };
            if (record.StartsWith('2'))
            {
                var row = readRow(layouts.Detail.Read(record, at), at);
                totals = at.Add(totals, amountOf(row));
                yield return row;
            }
            else if (record.StartsWith('9'))
            {
                var trailer = layouts.Trailer.Read(record, at);
                var stated = new FileTotals(at.ParseCount(trailer[1], "detail count"), at.ParseAmount(trailer[2], "sum"));
                at.ExpectTotals(stated, totals, "sum");
                break;
            }
            else
            {
                throw at.Fail($"record type '{record[..Math.Min(1, record.Length)]}' where a 2 detail or 9 trailer record belongs");
            }
        }

        if (await reader.ReadLineAsync(cancellationToken) is not null)
        {
            throw new PartnerFileException(fileName, at.Number + 1, "a record follows the 9 trailer");
        }
    }

    private sealed record RecordLayouts(FixedWidthLayout Header, FixedWidthLayout Detail, FixedWidthLayout Trailer);
}
