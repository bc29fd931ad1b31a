using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// JSON Lines (DOMAIN.md §5.3, TAMR): one compact object per line, a header first and a footer last, UTF-8, LF.
/// Properties are written in the order the programme's examples show; readers accept any order but exactly the
/// expected properties. Accrual items carry the full name; handback results refer to row sequences (<c>line</c>).
/// </summary>
internal sealed class JsonLinesFormat(PartnerFileSpec spec) : IPartnerFileFormat
{
    public Encoding Encoding => Text.Encoding;

    private const string DateFormat = "yyyy-MM-dd";
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private static readonly PartnerText Text = new(PartnerText.Utf8, LineEnding.Lf, ToleratesByteOrderMark: true);

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The file is UTF-8 and names are written as they are: the default encoder would escape every non-ASCII
        // letter (Núñez as N\u00FA\u00F1ez) and the HTML-sensitive apostrophe of O'Brien. No HTML ever embeds it.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions ReaderOptions = new() { AllowDuplicateProperties = false };

    public async Task<FileTotals> WriteAccrualsAsync(
        Stream output, AccrualBatch batch, IAsyncEnumerable<AccrualLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        spec.ExpectOwnProgramme(batch.ProgrammeCode, nameof(batch));
        var sink = new LineSink(output, Text);
        using var json = new Utf8JsonWriter(sink.Line, WriterOptions);
        WriteHeader(json, batch.FileSequence, batch.CreatedAt);
        await EndLineAsync(sink, json, cancellationToken);
        var totals = default(FileTotals);
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            totals = AccrualRows.Next(totals, line);
            json.WriteStartObject();
            json.WriteString("rec", "item");
            json.WriteNumber("line", line.RowSequence);
            json.WriteString("memberId", line.MemberId);
            json.WriteString("fullName", PersonNames.Normalise($"{line.GivenName} {line.Surname}"));
            json.WriteNumber("miles", line.Amount);
            json.WriteString("requestedOn", Invariant.Date(line.RequestDate, DateFormat));
            json.WriteEndObject();
            await EndLineAsync(sink, json, cancellationToken);
        }

        WriteFooter(json, totals, "totalMiles");
        await EndLineAsync(sink, json, cancellationToken);
        await sink.CompleteAsync(cancellationToken);
        return totals;
    }

    public async Task<AccrualFile> ReadAccrualsAsync(Stream input, string fileName, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectAccrualFileName(fileName);
        var createdAt = default(DateTimeOffset);
        var lines = await ReadRecordsAsync(
                input, fileName, sequence, "item", ReadItem, line => line.Amount, "totalMiles", stamp => createdAt = stamp,
                cancellationToken)
            .ToListAsync(cancellationToken);
        return new AccrualFile(new AccrualBatch(spec.ProgrammeCode, sequence, createdAt), lines);
    }

    public async Task WriteHandbackAsync(
        Stream output, HandbackHeader header, IReadOnlyList<HandbackLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(lines);
        spec.ExpectOwnProgramme(header.ProgrammeCode, nameof(header));
        var sink = new LineSink(output, Text);
        using var json = new Utf8JsonWriter(sink.Line, WriterOptions);
        WriteHeader(json, header.FileSequence, header.ProcessedAt);
        await EndLineAsync(sink, json, cancellationToken);
        var totals = default(FileTotals);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var credited = HandbackRows.Credited(line, i + 1);
            totals = totals.Add(credited);
            json.WriteStartObject();
            json.WriteString("rec", "result");
            json.WriteNumber("line", HandbackRows.RowSequence(line, i + 1));
            json.WriteString("status", line.Code);
            json.WriteNumber("credited", credited);
            json.WriteEndObject();
            await EndLineAsync(sink, json, cancellationToken);
        }

        WriteFooter(json, totals, "totalCredited");
        await EndLineAsync(sink, json, cancellationToken);
        await sink.CompleteAsync(cancellationToken);
    }

    public IAsyncEnumerable<HandbackLine> ReadHandbackLinesAsync(
        Stream input, string fileName, Action<HandbackHeader>? header, CancellationToken cancellationToken)
    {
        var (sequence, _) = spec.ExpectHandbackFileName(fileName);
        return ReadRecordsAsync(
            input, fileName, sequence, "result", ReadResult, line => line.Credited ?? 0, "totalCredited",
            stamp => header?.Invoke(new HandbackHeader(spec.ProgrammeCode, sequence, stamp)), cancellationToken);
    }

    private static ValueTask EndLineAsync(LineSink sink, Utf8JsonWriter json, CancellationToken cancellationToken)
    {
        json.Flush();
        // Each line is a new top-level value; Reset lets the writer start one without a separator.
        json.Reset();
        return sink.EndLineAsync(cancellationToken);
    }

    private static void WriteFooter(Utf8JsonWriter json, FileTotals totals, string sumName)
    {
        json.WriteStartObject();
        json.WriteString("rec", "footer");
        json.WriteNumber("count", totals.Count);
        json.WriteNumber(sumName, totals.Sum);
        json.WriteEndObject();
    }

    private static AccrualLine ReadItem(JsonRecord item)
    {
        item.ExpectProperties("rec", "line", "memberId", "fullName", "miles", "requestedOn");
        // The file carries only the full name; splitting at the first space gives back the same full name.
        var fullName = item.GetString("fullName");
        var space = fullName.IndexOf(' ', StringComparison.Ordinal);
        var (givenName, surname) = space < 0 ? (null, fullName) : (fullName[..space], fullName[(space + 1)..]);
        return new AccrualLine(
            item.GetCount("line"), "", item.GetString("memberId"), givenName, surname, item.GetAmount("miles"),
            item.At.ParseDate(item.GetString("requestedOn"), DateFormat, "requestedOn"), "");
    }

    private static HandbackLine ReadResult(JsonRecord result)
    {
        result.ExpectProperties("rec", "line", "status", "credited");
        return new HandbackLine(
            result.At.Number, null, result.GetCount("line"), result.GetString("status"), result.GetAmount("credited"), null, null);
    }

    private void WriteHeader(Utf8JsonWriter json, int sequence, DateTimeOffset stamp)
    {
        json.WriteStartObject();
        json.WriteString("rec", "header");
        json.WriteString("programme", spec.ProgrammeCode);
        json.WriteNumber("fileSeq", sequence);
        json.WriteString("createdAt", Invariant.Time(stamp, InstantFormat));
        json.WriteEndObject();
    }

    /// <summary>
    /// The header/detail/footer structure both directions share: the header's instant (to <paramref name="onHeader"/>,
    /// before the first detail), then the details as they are read; the footer is checked when they end.
    /// </summary>
    private async IAsyncEnumerable<T> ReadRecordsAsync<T>(
        Stream input, string fileName, int sequence, string detailKind, Func<JsonRecord, T> readRow,
        Func<T, long> amountOf, string sumName, Action<DateTimeOffset> onHeader,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(
            new CheckedTextStream(input, fileName, Text), Text.Encoding, detectEncodingFromByteOrderMarks: false);
        var lineNumber = 0;
        var line = await reader.ReadLineAsync(cancellationToken)
            ?? throw new PartnerFileException(fileName, 1, "the file is empty; expected the header object");
        using (var header = Parse(line, new FileLine(fileName, ++lineNumber)))
        {
            onHeader(ReadHeader(header.Record, sequence));
        }

        var totals = default(FileTotals);
        while (true)
        {
            line = await reader.ReadLineAsync(cancellationToken)
                ?? throw new PartnerFileException(fileName, lineNumber, "the file ends after this line without its footer");
            using var parsed = Parse(line, new FileLine(fileName, ++lineNumber));
            var record = parsed.Record;
            var kind = record.Kind;
            if (kind == detailKind)
            {
                var row = readRow(record);
                totals = record.At.Add(totals, amountOf(row));
                yield return row;
            }
            else if (kind == "footer")
            {
                record.ExpectProperties("rec", "count", sumName);
                record.At.ExpectTotals(new FileTotals(record.GetCount("count"), record.GetAmount(sumName)), totals, sumName);
                break;
            }
            else
            {
                throw record.At.Fail($"a \"{kind}\" object where a \"{detailKind}\" or the \"footer\" belongs");
            }
        }

        if (await reader.ReadLineAsync(cancellationToken) is not null)
        {
            throw new PartnerFileException(fileName, lineNumber + 1, "a line follows the footer");
        }
    }

    private DateTimeOffset ReadHeader(JsonRecord header, int sequence)
    {
        if (header.Kind != "header")
        {
            throw header.At.Fail($"the first object is a \"{header.Kind}\", not the \"header\"");
        }

        header.ExpectProperties("rec", "programme", "fileSeq", "createdAt");
        header.At.Expect(header.GetString("programme"), spec.ProgrammeCode, "the header's programme");
        header.At.ExpectSequence(header.GetCount("fileSeq"), sequence);
        return header.At.ParseInstant(header.GetString("createdAt"), InstantFormat, "createdAt");
    }

    private static ParsedLine Parse(string line, FileLine at)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, ReaderOptions);
        }
        catch (JsonException e)
        {
            throw at.Fail($"the line is not a JSON value: {e.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw at.Fail("the line is not a JSON object");
        }

        return new ParsedLine(document, new JsonRecord(document.RootElement, at));
    }

    /// <summary>A parsed line and the pooled document behind it, returned to the pool on dispose.</summary>
    private readonly record struct ParsedLine(JsonDocument Document, JsonRecord Record) : IDisposable
    {
        public void Dispose() => Document.Dispose();
    }
}
