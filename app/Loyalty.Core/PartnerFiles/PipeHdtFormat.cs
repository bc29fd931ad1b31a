using System.Runtime.CompilerServices;
using System.Text;
using CsvHelper;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// Pipe-delimited H/D/T records without a column header (DOMAIN.md §5.2, QUIL): no quoting, UTF-8, LF. The header
/// carries the programme, file sequence, date and time; the trailer the D count and amount sum. Accrual rows carry
/// the initial of the given name and the surname; handback rows refer to row sequences and echo the member id.
/// </summary>
internal sealed class PipeHdtFormat(PartnerFileSpec spec) : IPartnerFileFormat
{
    public Encoding Encoding => Text.Encoding;

    private const char Separator = '|';
    private const string DateFormat = "yyyyMMdd";
    private const string TimeFormat = "HHmmss";
    private const int AccrualDetailFields = 7;
    private const int HandbackDetailFields = 5;
    private const int SequenceDigits = 6;

    private static readonly PartnerText Text = new(PartnerText.Utf8, LineEnding.Lf, ToleratesByteOrderMark: true);

    public async Task<FileTotals> WriteAccrualsAsync(
        Stream output, AccrualBatch batch, IAsyncEnumerable<AccrualLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        spec.ExpectOwnProgramme(batch.ProgrammeCode, nameof(batch));
        await using var file = DelimitedWriter.Create(output, Text, Separator, CsvMode.NoEscape);
        await file.WriteRecordAsync(Header(batch.FileSequence, batch.CreatedAt), cancellationToken);
        var totals = default(FileTotals);
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            totals = AccrualRows.Next(totals, line);
            await file.WriteRecordAsync(
                ["D", Invariant.Number(line.RowSequence), line.MemberId, Initial(line.GivenName), line.Surname,
                 Invariant.Number(line.Amount), Invariant.Date(line.RequestDate, DateFormat)],
                cancellationToken);
        }

        await file.WriteRecordAsync(["T", Invariant.Number(totals.Count), Invariant.Number(totals.Sum)], cancellationToken);
        return totals;
    }

    public async Task<AccrualFile> ReadAccrualsAsync(Stream input, string fileName, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectAccrualFileName(fileName);
        var createdAt = default(DateTimeOffset);
        var lines = await ReadRecordsAsync(
                input, fileName, sequence, AccrualDetailFields, ReadAccrualRow, line => line.Amount, "sum of amounts",
                stamp => createdAt = stamp, cancellationToken)
            .ToListAsync(cancellationToken);
        return new AccrualFile(new AccrualBatch(spec.ProgrammeCode, sequence, createdAt), lines);
    }

    public async Task WriteHandbackAsync(
        Stream output, HandbackHeader header, IReadOnlyList<HandbackLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(lines);
        spec.ExpectOwnProgramme(header.ProgrammeCode, nameof(header));
        await using var file = DelimitedWriter.Create(output, Text, Separator, CsvMode.NoEscape);
        await file.WriteRecordAsync(Header(header.FileSequence, header.ProcessedAt), cancellationToken);
        var totals = default(FileTotals);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var credited = HandbackRows.Credited(line, i + 1);
            totals = totals.Add(credited);
            await file.WriteRecordAsync(
                ["D", Invariant.Number(HandbackRows.RowSequence(line, i + 1)), HandbackRows.MemberId(line, i + 1), line.Code,
                 Invariant.Number(credited)],
                cancellationToken);
        }

        await file.WriteRecordAsync(["T", Invariant.Number(totals.Count), Invariant.Number(totals.Sum)], cancellationToken);
    }

    public IAsyncEnumerable<HandbackLine> ReadHandbackLinesAsync(
        Stream input, string fileName, Action<HandbackHeader>? header, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectHandbackFileName(fileName);
        return ReadRecordsAsync(
            input, fileName, sequence, HandbackDetailFields, ReadHandbackRow, line => line.Credited ?? 0, "sum of credited",
            stamp => header?.Invoke(new HandbackHeader(spec.ProgrammeCode, sequence, stamp)), cancellationToken);
    }

    private static string Initial(string? givenName)
    {
        foreach (var rune in (givenName ?? "").EnumerateRunes())
        {
            if (Rune.IsLetter(rune))
            {
                return Rune.ToUpperInvariant(rune).ToString();
            }
        }

        // No given name: the programme finds no initial to match and reports a name mismatch for this row alone.
        return "";
    }

    private static AccrualLine ReadAccrualRow(DelimitedRecords file)
    {
        var at = file.At;
        return new AccrualLine(
            at.ParseCount(file[1], "row sequence"), "", file[2], AccrualRows.NullIfEmpty(file[3]),
            AccrualRows.NullIfEmpty(file[4]), at.ParseAmount(file[5], "amount"), at.ParseDate(file[6], DateFormat, "request date"), "");
    }

    private static HandbackLine ReadHandbackRow(DelimitedRecords file)
    {
        var at = file.At;
        return new HandbackLine(
            file.LineNumber, null, at.ParseCount(file[1], "row sequence"), file[3], at.ParseAmount(file[4], "credited"), file[2], null);
    }

    private string[] Header(int sequence, DateTimeOffset stamp) =>
        ["H", spec.ProgrammeCode, Invariant.Digits(sequence, SequenceDigits),
         Invariant.Time(stamp, DateFormat), Invariant.Time(stamp, TimeFormat)];

    /// <summary>
    /// The H/D/T structure both directions share: the header's instant (to <paramref name="onHeader"/>, before the
    /// first row), then the D rows as they are read; the trailer is checked when they end.
    /// </summary>
    private async IAsyncEnumerable<T> ReadRecordsAsync<T>(
        Stream input, string fileName, int sequence, int detailFields, Func<DelimitedRecords, T> readRow,
        Func<T, long> amountOf, string sumName, Action<DateTimeOffset> onHeader,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = DelimitedRecords.Open(input, fileName, Text, Separator, CsvMode.NoEscape);
        if (!await file.ReadAsync(cancellationToken))
        {
            throw new PartnerFileException(fileName, 1, "the file is empty; expected the H header record");
        }

        onHeader(ReadHeader(file, sequence));
        var totals = default(FileTotals);
        var lastLine = file.LineNumber;
        while (await file.ReadAsync(cancellationToken))
        {
            var at = file.At;
            lastLine = at.Number;
            switch (file[0])
            {
                case "D":
                    file.ExpectFieldCount(detailFields, "D record");
                    var row = readRow(file);
                    totals = at.Add(totals, amountOf(row));
                    yield return row;
                    break;
                case "T":
                    file.ExpectFieldCount(3, "T record");
                    var stated = new FileTotals(at.ParseCount(file[1], "D count"), at.ParseAmount(file[2], sumName));
                    at.ExpectTotals(stated, totals, sumName);
                    if (await file.ReadAsync(cancellationToken))
                    {
                        throw file.At.Fail("a record follows the T trailer");
                    }

                    yield break;
                default:
                    throw at.Fail($"record type '{file[0]}' where a D or T record belongs");
            }
        }

        throw new PartnerFileException(fileName, lastLine, "the file ends after this line without its T trailer");
    }

    private DateTimeOffset ReadHeader(DelimitedRecords file, int sequence)
    {
        var at = file.At;
        if (!string.Equals(file[0], "H", StringComparison.Ordinal))
        {
            throw at.Fail($"the first record is of type '{file[0]}', not the H header");
        }

        file.ExpectFieldCount(5, "H record");
        at.Expect(file[1], spec.ProgrammeCode, "the header's programme");
        at.ExpectSequence(at.ParseCount(file[2], "the header's file sequence"), sequence);

        return at.ParseInstant(file[3] + file[4], DateFormat + TimeFormat, "the header's date and time");
    }
}
