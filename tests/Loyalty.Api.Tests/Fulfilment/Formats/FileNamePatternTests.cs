using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>The file names of DOMAIN.md §5: built from a sequence and a date, and parsed back exactly.</summary>
public sealed class FileNamePatternTests
{
    private static readonly DateOnly Date = new(2025, 3, 14);

    [Theory]
    [InlineData("CORV", 1, "CORV_ACC_20250314_00001.csv", "CORV_HBK_20250314_00001.csv")]
    [InlineData("QUIL", 2051, "QUIL.ACCR.20250314.S002051.txt", "QUIL.HBCK.20250314.S002051.txt")]
    [InlineData("TAMR", 311, "tamr_000311_2025-03-14.jsonl", "tamr_000311_2025-03-14.result.jsonl")]
    [InlineData("LUMO", 42, "LUMO00004220250314.DAT", "LUMO00004220250314.RET")]
    [InlineData("HALC", 7, "halc_credit_14032025_0007.csv", "halc_reply_14032025_0007.csv")]
    [InlineData("VERD", 12, "VERD-ACCRUAL-00012-03142025.tsv", "VERD-HANDBACK-00012-03142025.tsv")]
    public void Names_FollowThePatterns_AndParseBack(string code, int sequence, string accrual, string handback)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;

        Assert.Equal(accrual, spec.AccrualFileName(sequence, Date));
        Assert.Equal(handback, spec.HandbackFileName(sequence, Date));
        Assert.True(spec.TryParseAccrualFileName(accrual, out var accrualSequence, out var accrualDate));
        Assert.Equal((sequence, Date), (accrualSequence, accrualDate));
        Assert.True(spec.TryParseHandbackFileName(handback, out var handbackSequence, out var handbackDate));
        Assert.Equal((sequence, Date), (handbackSequence, handbackDate));
        Assert.False(spec.TryParseHandbackFileName(accrual, out _, out _));
        Assert.False(spec.TryParseAccrualFileName(handback, out _, out _));
    }

    [Theory]
    [InlineData("CORV_HBK_20250314_00001.CSV")]
    [InlineData("corv_HBK_20250314_00001.csv")]
    [InlineData("CORV_HBK_20250314_0001.csv")]
    [InlineData("CORV_HBK_20250314_000001.csv")]
    [InlineData("CORV_HBK_20250314_00000.csv")]
    [InlineData("CORV_HBK_2025031_00001.csv")]
    [InlineData("CORV_HBK_20251314_00001.csv")]
    [InlineData("CORV_HBK_20250230_00001.csv")]
    [InlineData("CORV_HBK_20250314_0000a.csv")]
    [InlineData("CORV_HBK_20250314_+0001.csv")]
    [InlineData("CORV_HBK_20250314_00001.csv ")]
    [InlineData("CORV_HBK_20250314_00001.csv.tmp")]
    [InlineData("x/CORV_HBK_20250314_00001.csv")]
    [InlineData("")]
    public void OnlyTheExactName_Parses(string fileName) =>
        Assert.False(ProgrammeDefinitions.Get("CORV").Exchange.TryParseHandbackFileName(fileName, out _, out _));

    [Theory]
    [InlineData("LUMO", "LUMO00004220250314.dat")]
    [InlineData("LUMO", "LUMO0000422025031.DAT")]
    [InlineData("TAMR", "TAMR_000311_2025-03-14.result.jsonl")]
    [InlineData("TAMR", "tamr_000311_20250314.result.jsonl")]
    [InlineData("HALC", "halc_reply_2025-03-14_0007.csv")]
    [InlineData("VERD", "VERD-HANDBACK-00012-14032025.tsv")]
    [InlineData("QUIL", "QUIL.HBCK.20250314.2051.txt")]
    public void NamesOfAnotherShape_DoNotParse(string code, string fileName) =>
        Assert.False(ProgrammeDefinitions.Get(code).Exchange.TryParseHandbackFileName(fileName, out _, out _));

    [Fact]
    public void DatesAreCalendarDates_WhateverTheFieldOrder()
    {
        var spec = ProgrammeDefinitions.Get("HALC").Exchange;

        Assert.True(spec.TryParseHandbackFileName("halc_reply_29022024_0001.csv", out _, out var leapDay));
        Assert.Equal(new DateOnly(2024, 2, 29), leapDay);
        Assert.False(spec.TryParseHandbackFileName("halc_reply_29022025_0001.csv", out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100_000)]
    public void SequenceOutsideTheField_CannotBeNamed(int sequence) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProgrammeDefinitions.Get("CORV").Exchange.AccrualFileName(sequence, Date));

    [Fact]
    public void LargestSequence_IsTheWidestTheFieldHolds()
    {
        var spec = ProgrammeDefinitions.Get("HALC").Exchange;

        Assert.Equal(9999, spec.AccrualFiles.MaxSequence);
        Assert.Equal("halc_credit_14032025_9999.csv", spec.AccrualFileName(9999, Date));
    }

    [Theory]
    [InlineData("NO_PLACEHOLDERS.csv")]
    [InlineData("X_{yyyyMMdd}.csv")]
    [InlineData("X_{seq:D5}.csv")]
    [InlineData("X_{seq:D5}_{seq:D5}_{yyyyMMdd}.csv")]
    [InlineData("X_{seq:D5}_{HHmm}.csv")]
    [InlineData("X_{seq:D5}_{yyyyMMdd}_{bank}.csv")]
    public void PatternsWithoutOneSequenceAndOneDate_AreRefused(string template) =>
        Assert.Throws<ArgumentException>(() => new FileNamePattern(template));

    [Fact]
    public void Registry_HasEveryProgrammeOnce_AndFindsThemExactly()
    {
        Assert.Equal(PartnerFileTesting.ProgrammeCodes, ProgrammeDefinitions.All.Select(programme => programme.Code));
        Assert.True(ProgrammeDefinitions.TryGet("LUMO", out var lumo));
        Assert.Equal(PartnerFileKind.FixedWidth, lumo.Exchange.Kind);
        Assert.False(ProgrammeDefinitions.TryGet("lumo", out _));
        Assert.Throws<KeyNotFoundException>(() => ProgrammeDefinitions.Get("XXXX").Exchange);
    }

    [Theory]
    [InlineData("CORV", PartnerFileKind.CsvHeader, HandbackReference.TransactionId)]
    [InlineData("QUIL", PartnerFileKind.PipeHdt, HandbackReference.RowSequence)]
    [InlineData("TAMR", PartnerFileKind.JsonLines, HandbackReference.RowSequence)]
    [InlineData("LUMO", PartnerFileKind.FixedWidth, HandbackReference.TransactionId)]
    [InlineData("HALC", PartnerFileKind.SemicolonCsv, HandbackReference.TransactionId)]
    [InlineData("VERD", PartnerFileKind.TsvHeader, HandbackReference.TransactionId)]
    public void EachProgramme_HasItsKindAndReference(string code, PartnerFileKind kind, HandbackReference reference)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;

        Assert.Equal(kind, spec.Kind);
        Assert.Equal(reference, spec.HandbackRefersTo);
    }

    [Fact]
    public void NewProgramme_IsOneMoreDefinition_WithAnExistingKindAndCodeTable()
    {
        var spec = new PartnerFileSpec("NOVA", PartnerFileKind.CsvHeader,
            new FileNamePattern("NOVA_ACC_{yyyyMMdd}_{seq:D5}.csv"), new FileNamePattern("NOVA_HBK_{yyyyMMdd}_{seq:D5}.csv"),
            HandbackReference.TransactionId, OutcomeCodeSets.Shared);

        Assert.Equal("NOVA_HBK_20250314_00003.csv", spec.HandbackFileName(3, Date));
        Assert.NotNull(spec.Format);
    }
}
