using Loyalty.Core.PartnerFiles;
using static Loyalty.Api.Tests.Fulfilment.Formats.PartnerFileTesting;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>Writers refuse what their file cannot carry rather than write a file the programme would misread.</summary>
public sealed class WriterArgumentTests
{
    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task AnotherProgrammesBatch_IsRefused(string code)
    {
        var example = DomainExamples.For(code);
        var other = code == "CORV" ? "VERD" : "CORV";

        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteAccrualsAsync(example.Spec, example.Batch with { ProgrammeCode = other }, example.Accruals));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback with { ProgrammeCode = other }, example.HandbackLines));
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task RowsOutOfSequence_OrWithNegativeAmounts_AreRefused(string code)
    {
        var example = DomainExamples.For(code);
        var lines = example.Accruals;

        await Assert.ThrowsAsync<ArgumentException>(() => WriteAccrualsAsync(example.Spec, example.Batch, [lines[1], lines[0]]));
        await Assert.ThrowsAsync<ArgumentException>(() => WriteAccrualsAsync(example.Spec, example.Batch, [lines[0] with { RowSequence = 0 }]));
        await Assert.ThrowsAsync<ArgumentException>(() => WriteAccrualsAsync(example.Spec, example.Batch, [lines[0] with { Amount = -50 }]));
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task HandbackRowsWithoutTheirReference_AreRefused(string code)
    {
        var example = DomainExamples.For(code);
        var row = example.HandbackLines[0] with { TransactionId = null, RowSequence = null };

        await Assert.ThrowsAsync<ArgumentException>(() => WriteHandbackAsync(example.Spec, example.Handback, [row]));
    }

    [Theory]
    [InlineData("QUIL")]
    [InlineData("TAMR")]
    [InlineData("LUMO")]
    public async Task HandbackRowsWithoutCreditedUnits_AreRefused_WhereTheFormatCarriesThem(string code)
    {
        var example = DomainExamples.For(code);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback, [example.HandbackLines[0] with { Credited = null }]));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback, [example.HandbackLines[0] with { Credited = -1 }]));
    }

    [Fact]
    public async Task QuilHandbackRowWithoutTheMemberIdEcho_IsRefused()
    {
        var example = DomainExamples.For("QUIL");

        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback, [example.HandbackLines[0] with { MemberId = null }]));
    }

    [Theory]
    [InlineData("HALC", "山田")]
    [InlineData("HALC", "Mül;ler")]
    [InlineData("VERD", "Gar\tcía")]
    [InlineData("QUIL", "Ta|naka")]
    [InlineData("CORV", "Mül\nler")]
    [InlineData("CORV", "Mül\rler")]
    public async Task NamesTheFileCannotCarry_AreRefused(string code, string surname)
    {
        var example = DomainExamples.For(code);

        var refusal = await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteAccrualsAsync(example.Spec, example.Batch, [example.Accruals[0] with { Surname = surname }]));

        Assert.DoesNotContain(surname, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HALC", "Zeichen; Semikolon")]
    [InlineData("HALC", "Ünicode ✓")]
    [InlineData("VERD", "tab\there")]
    [InlineData("CORV", "two\r\nlines")]
    public async Task HandbackTextTheFileCannotCarry_IsRefused(string code, string text)
    {
        var example = DomainExamples.For(code);

        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback, [example.HandbackLines[0] with { Text = text }]));
    }

    [Fact]
    public async Task LumoIdsThatDoNotFitTheirColumns_AreRefused()
    {
        var example = DomainExamples.For("LUMO");

        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteAccrualsAsync(example.Spec, example.Batch, [example.Accruals[0] with { MemberId = "0012345678890" }]));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            WriteHandbackAsync(example.Spec, example.Handback, [example.HandbackLines[0] with { Code = "000" }]));
    }

    [Theory]
    [InlineData("Émile", "É")]
    [InlineData("émile", "É")]
    [InlineData("'Ana", "A")]
    [InlineData(null, "")]
    public async Task QuilInitial_IsTheFirstLetterOfTheGivenName_Uppercased(string? givenName, string initial)
    {
        var example = DomainExamples.For("QUIL");

        var (bytes, _) = await WriteAccrualsAsync(example.Spec, example.Batch, [example.Accruals[0] with { GivenName = givenName }]);

        Assert.Contains($"|314159266|{initial}|Tanaka|", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TamrFullName_IsGivenNameSpaceSurname_Nfc()
    {
        var example = DomainExamples.For("TAMR");
        var decomposed = example.Accruals[0] with { GivenName = "Jose\u0301", Surname = "Nu\u0301n\u0303ez" };

        var (bytes, _) = await WriteAccrualsAsync(example.Spec, example.Batch, [decomposed]);

        Assert.Contains("\"fullName\":\"José Núñez\"", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelledWrite_StopsWithCancellation()
    {
        var example = DomainExamples.For("CORV");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            example.Spec.Format.WriteAccrualsAsync(Stream.Null, example.Batch, ToAsync(example.Accruals), cancelled.Token));
    }
}
