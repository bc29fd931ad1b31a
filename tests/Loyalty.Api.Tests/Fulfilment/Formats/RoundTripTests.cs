using System.IO.Pipelines;
using System.Text;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using static Loyalty.Api.Tests.Fulfilment.Formats.PartnerFileTesting;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>What a writer writes, the reader of the same format reads back: every programme, both directions.</summary>
public sealed class RoundTripTests
{
    private static readonly DateTimeOffset ProcessedAt = new(2025, 3, 15, 7, 40, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task Accruals_WrittenThenRead_GiveBackTheBatchAndWhatTheFormatCarries(string code)
    {
        var example = DomainExamples.For(code);
        var batch = example.Batch with { FileSequence = 9, CreatedAt = new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero) };
        var lines = MoreNames(example.Accruals);

        var (bytes, totals) = await WriteAccrualsAsync(example.Spec, batch, lines);
        var file = await ReadAccrualsAsync(example.Spec, bytes, example.Spec.AccrualFileName(9, new DateOnly(2025, 12, 31)));

        Assert.Equal(Carried.Batch(batch), file.Batch);
        Assert.Equal(lines.Select(Carried.Line(code)), file.Lines);
        Assert.Equal(new FileTotals(lines.Count, lines.Sum(line => line.Amount)), totals);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task EmptyAccrualBatch_WrittenThenRead_HasNoRows(string code)
    {
        var example = DomainExamples.For(code);

        var (bytes, totals) = await WriteAccrualsAsync(example.Spec, example.Batch, []);
        var file = await ReadAccrualsAsync(example.Spec, bytes, example.AccrualFileName);

        Assert.Equal(default, totals);
        Assert.Empty(file.Lines);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task Handback_WrittenThenRead_GivesBackEveryCodeAndWhatTheFormatCarries(string code)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var header = new HandbackHeader(code, 123, ProcessedAt);
        // Every code of the programme's table, then one it does not know, which must come back as written.
        var codes = spec.OutcomeCodes.Codes.Keys.Append("ZZ").ToList();
        var written = codes.Select((outcome, i) => Row(spec, i, outcome)).ToList();

        var bytes = await WriteHandbackAsync(spec, header, written);
        var handback = await ReadHandbackAsync(spec, bytes, spec.HandbackFileName(123, new DateOnly(2025, 3, 15)));

        Assert.Equal(header with { ProcessedAt = ReadableProcessedAt(code) }, handback.Header);
        Assert.Equal(written.Select((line, i) => AsRead(code, line, lineNumber: i + 2)), handback.Lines);
    }

    /// <summary>
    /// The ingester's memory stays flat because a handback is read as it arrives: its first row is handed out while
    /// half the file, far more than any read buffer, has yet to come, and the rest reads once it does.
    /// </summary>
    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task Handback_IsReadAsItArrives_ItsFirstRowBeforeTheRestOfTheFile(string code)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var codes = spec.OutcomeCodes.Codes.Keys.ToList();
        var written = Enumerable.Range(0, 40_000).Select(i => Row(spec, i, codes[i % codes.Count])).ToList();
        var bytes = await WriteHandbackAsync(spec, new HandbackHeader(code, 123, ProcessedAt), written);
        var firstHalf = bytes.AsSpan(0, bytes.Length / 2).LastIndexOf((byte)'\n') + 1;
        Assert.True(firstHalf > 512 * 1024, $"{firstHalf} bytes is not far more than a read buffer");
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, firstHalf));

        await using var rows = spec.Format.ReadHandbackLinesAsync(
            pipe.Reader.AsStream(), spec.HandbackFileName(123, new DateOnly(2025, 3, 15)), null, CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await rows.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        var read = new List<HandbackLine> { rows.Current };

        await pipe.Writer.WriteAsync(bytes.AsMemory(firstHalf));
        await pipe.Writer.CompleteAsync();
        while (await rows.MoveNextAsync())
        {
            read.Add(rows.Current);
        }

        Assert.Equal(written.Select((line, i) => AsRead(code, line, lineNumber: i + 2)), read);
    }

    [Theory]
    [InlineData("CORV", "Says \"no\", twice", "\"Says \"\"no\"\", twice\"")]
    [InlineData("CORV", " padded ", " padded ")]
    [InlineData("HALC", "Mitglied \"unbekannt\", äöü", "Mitglied \"unbekannt\", äöü")]
    [InlineData("VERD", "busy; \"resend\", later", "busy; \"resend\", later")]
    public async Task HandbackText_IsQuotedOnlyWhereTheFormatQuotes_AndReadsBackExactly(string code, string text, string written)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var line = new HandbackLine(0, "01JPAM9S346Q3D25VT4F5V37E3", null, "0000", null, null, text);

        var bytes = await WriteHandbackAsync(spec, new HandbackHeader(code, 1, ProcessedAt), [line]);
        var handback = await ReadHandbackAsync(spec, bytes, spec.HandbackFileName(1, new DateOnly(2025, 3, 15)));

        var fileText = code == "HALC" ? Encoding.Latin1.GetString(bytes) : Encoding.UTF8.GetString(bytes);
        Assert.Contains(written, fileText, StringComparison.Ordinal);
        Assert.Equal(text, Assert.Single(handback.Lines).Text);
    }

    /// <summary>The example rows plus names that test each format's name rules: accents, several words, non-Latin-1.</summary>
    private static List<AccrualLine> MoreNames(IReadOnlyList<AccrualLine> example)
    {
        var first = example[0];
        return
        [
            .. example,
            first with { RowSequence = 4, TransactionId = "01JPB00000000000000000000D", GivenName = "María José", Surname = "García López", Amount = 1000 },
            first with { RowSequence = 5, TransactionId = "01JPB00000000000000000000E", GivenName = "Émile", Surname = "Dvořák", Amount = 0 },
        ];
    }

    private static HandbackLine Row(PartnerFileSpec spec, int index, string code)
    {
        var byTransaction = spec.HandbackRefersTo == HandbackReference.TransactionId;
        return new HandbackLine(
            0,
            byTransaction ? $"01JPC{index:D21}" : null,
            byTransaction ? null : index + 1,
            code,
            Credited: 1000L * index,
            MemberId: "314159266",
            Text: $"detail {index}, \"as written\"");
    }

    /// <summary>Only the fields the programme's handback rows carry survive.</summary>
    private static HandbackLine AsRead(string code, HandbackLine line, int lineNumber) => code switch
    {
        "CORV" or "HALC" or "VERD" => line with { LineNumber = lineNumber, Credited = null, MemberId = null },
        "QUIL" => line with { LineNumber = lineNumber, Text = null },
        "TAMR" or "LUMO" => line with { LineNumber = lineNumber, MemberId = null, Text = null },
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The processing time as precisely as the format states it: to the second, the minute, or the day.</summary>
    private static DateTimeOffset ReadableProcessedAt(string code) => code switch
    {
        "QUIL" or "TAMR" or "HALC" => ProcessedAt,
        _ => new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.Zero),
    };
}
