using Loyalty.Core.PartnerFiles;
using static Loyalty.Api.Tests.Fulfilment.Formats.PartnerFileTesting;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>The example pairs of DOMAIN.md §5 are the approved files: writers produce them, readers understand them.</summary>
public sealed class ExampleFileTests
{
    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task AccrualWriter_ProducesTheExampleFile_ByteForByte(string code)
    {
        var example = DomainExamples.For(code);

        var (bytes, totals) = await WriteAccrualsAsync(example.Spec, example.Batch, example.Accruals);

        Assert.Equal(Bytes(example.AccrualFile), Bytes(bytes));
        Assert.Equal(new FileTotals(3, example.Accruals.Sum(line => line.Amount)), totals);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public void ExampleFileNames_FollowTheProgrammesPatterns(string code)
    {
        var example = DomainExamples.For(code);

        Assert.Equal(example.AccrualFileName, example.Spec.AccrualFileName(example.Batch.FileSequence, example.Batch.FileDate));
        Assert.Equal(example.HandbackFileName, example.Spec.HandbackFileName(example.Handback.FileSequence, example.Handback.FileDate));
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task ExampleHandback_ReadsAsTheRowsAndCodesItStates(string code)
    {
        var example = DomainExamples.For(code);

        var handback = await ReadHandbackAsync(example.Spec, example.HandbackFile, example.HandbackFileName);

        Assert.Equal(new HandbackHeader(code, example.Handback.FileSequence, example.ProcessedAt), handback.Header);
        Assert.Equal(example.HandbackLines, handback.Lines);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task ExampleHandbackCodes_MapToTheOutcomesTheExampleImplies(string code)
    {
        var example = DomainExamples.For(code);

        var handback = await ReadHandbackAsync(example.Spec, example.HandbackFile, example.HandbackFileName);

        var outcomes = handback.Lines.Select(line =>
            example.Spec.OutcomeCodes.TryGetCanonical(line.Code, out var outcome) ? outcome : (CanonicalOutcome?)null);
        Assert.Equal(example.Outcomes.Select(outcome => (CanonicalOutcome?)outcome), outcomes);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task HandbackWriter_ProducesTheExampleFile_ByteForByte(string code)
    {
        var example = DomainExamples.For(code);

        var bytes = await WriteHandbackAsync(example.Spec, example.Handback, example.HandbackLines);

        Assert.Equal(Bytes(example.HandbackFile), Bytes(bytes));
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task ExampleAccrualFile_ReadsBackAsTheRowsItCarries(string code)
    {
        var example = DomainExamples.For(code);

        var file = await ReadAccrualsAsync(example.Spec, example.AccrualFile, example.AccrualFileName);

        Assert.Equal(Carried.Batch(example.Batch), file.Batch);
        Assert.Equal(example.Accruals.Select(Carried.Line(code)), file.Lines);
    }

    [Theory]
    [InlineData("CORV", ",0000,", ", 0000,", " 0000")]
    [InlineData("QUIL", "|A00|", "|a00|", "a00")]
    [InlineData("TAMR", "\"status\":\"OK\",\"credited\":100", "\"status\":\"ok \",\"credited\":100", "ok ")]
    [InlineData("LUMO", "1XP00000", "1XP0 000", "0 ")]
    [InlineData("HALC", ";0000;OK;15.03.2025 07:40\r\n01JPA14", ";0000 ;OK;15.03.2025 07:40\r\n01JPA14", "0000 ")]
    [InlineData("VERD", "\t0000\t", "\t0\t", "0")]
    public async Task OutcomeCodes_AreKeptExactlyAsWritten_AndLeftForTheCallerToJudge(string code, string find, string replaceWith, string written)
    {
        var example = DomainExamples.For(code);
        var text = Bytes(example.HandbackFile);
        Assert.Contains(find, text, StringComparison.Ordinal);
        var bytes = System.Text.Encoding.Latin1.GetBytes(text.Replace(find, replaceWith, StringComparison.Ordinal));

        var handback = await ReadHandbackAsync(example.Spec, bytes, example.HandbackFileName);

        Assert.Equal(written, handback.Lines[0].Code);
        Assert.False(example.Spec.OutcomeCodes.TryGetCanonical(written, out _));
    }

    [Fact]
    public void LumoExampleRecords_HaveTheRecordLengthsOfTheLayout()
    {
        var example = DomainExamples.For("LUMO");

        Assert.All(Bytes(example.AccrualFile).Split("\r\n")[..^1], record => Assert.Equal(66, record.Length));
        Assert.All(Bytes(example.HandbackFile).Split("\r\n")[..^1], record => Assert.Equal(52, record.Length));
    }
}
