using System.Text;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;
using static Loyalty.Core.PartnerFiles.CanonicalOutcome;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>
/// The whole file through the real formats: the platform's writer makes the accrual file, the simulator answers it,
/// and the platform's reader reads the handback.
/// </summary>
public sealed class FileAnswerTests
{
    private const int Sequence = 42;

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task Handback_HasOneRowPerAccrualRow_ReferringToIt_WithTheExpectedOutcome(string code)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var active = Member(code, MemberStatus.Active);
        var closed = Member(code, MemberStatus.Closed);
        var suspended = Member(code, MemberStatus.Suspended);
        var cases = new List<(string MemberId, string? GivenName, string? Surname, CanonicalOutcome Expected)>
        {
            (active.MemberId, active.GivenName, active.Surname, Success),
            (UnseededId(code), "Lukasz", "Nowak", MemberNotFound),
            (closed.MemberId, closed.GivenName, closed.Surname, AccountClosed),
            (suspended.MemberId, suspended.GivenName, suspended.Surname, AccountSuspended),
            // LUMO matches on the member id alone: a stranger's name is not a mismatch there.
            (active.MemberId, "Quentin", "Zyx", code == "LUMO" ? Success : NameMismatch),
            (active.MemberId, active.GivenName, active.Surname, Success),
        };
        var lines = cases.Select((c, i) => Line(i + 1, c.MemberId, c.GivenName, c.Surname, amount: 1_000 * (i + 1))).ToList();

        var (answer, handback) = await AnswerAsync(spec, lines, Settings());

        Assert.Equal(spec.HandbackFileName(Sequence, DateOnly.FromDateTime(ProcessedAt.UtcDateTime)), answer.HandbackFileName);
        Assert.Equal((code, Sequence), (handback.Header.ProgrammeCode, handback.Header.FileSequence));
        // The processing time as far as the format carries it (some only the date, some to the second).
        Assert.Equal(ProcessedAt.UtcDateTime.Date, handback.Header.ProcessedAt.UtcDateTime.Date);
        Assert.InRange(handback.Header.ProcessedAt, ProcessedAt.AddDays(-1), ProcessedAt);
        Assert.Equal(cases.Count, handback.Lines.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var (line, row, expected) = (lines[i], handback.Lines[i], cases[i].Expected);
            if (spec.HandbackRefersTo == HandbackReference.TransactionId)
            {
                Assert.Equal(line.TransactionId, row.TransactionId);
            }
            else
            {
                Assert.Equal(line.RowSequence, row.RowSequence);
            }

            Assert.True(spec.OutcomeCodes.TryGetCanonical(row.Code, out var outcome), $"row {i + 1}: unknown code '{row.Code}'");
            Assert.Equal(expected, outcome);
            Assert.Equal(expected, answer.Rows[i].Outcome);
            if (row.Credited is { } credited)
            {
                Assert.Equal(expected == Success ? line.Amount : 0, credited);
            }

            if (row.MemberId is { } echoed)
            {
                Assert.Equal(line.MemberId, echoed);
            }
        }

        Assert.Equal(
            new Dictionary<CanonicalOutcome, int>
            {
                [Success] = code == "LUMO" ? 3 : 2, [MemberNotFound] = 1, [AccountClosed] = 1, [AccountSuspended] = 1,
            }.Concat(code == "LUMO" ? [] : [new KeyValuePair<CanonicalOutcome, int>(NameMismatch, 1)]).ToDictionary(),
            answer.OutcomeCounts());
    }

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task EmptyAccrualFile_GetsAnEmptyHandback(string code)
    {
        var (answer, handback) = await AnswerAsync(ProgrammeDefinitions.Get(code).Exchange, [], Settings());

        Assert.Empty(answer.Rows);
        Assert.Empty(handback.Lines);
    }

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task MixedOutcomes_AreAllCodesTheProgrammeKnows_AndFileReadsBackWhole(string code)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var active = Member(code, MemberStatus.Active);
        var lines = Enumerable.Range(1, 300).Select(i => Line(i, active.MemberId, active.GivenName, active.Surname)).ToList();
        var everything = string.Join(",", CanonicalOutcomes.All.Select(d => $"{d.Code}=1"));

        var (answer, handback) = await AnswerAsync(spec, lines, Settings(everything));

        Assert.Equal(lines.Count, handback.Lines.Count);
        var outcomes = handback.Lines.Select(row => Assert.IsType<CanonicalOutcome>(Canonical(spec, row.Code))).ToList();
        Assert.Equal(answer.Rows.Select(row => row.Outcome), outcomes);
        Assert.Equal(spec.OutcomeCodes.Codes.Values.Order(), outcomes.Distinct().Order());
    }

    [Fact]
    public async Task HalcHandback_IsLatin1_AndCorvHandbackQuotesTheTextWithAComma()
    {
        var halc = ProgrammeDefinitions.Get("HALC").Exchange;
        var corv = ProgrammeDefinitions.Get("CORV").Exchange;

        var halcBytes = await HandbackBytesAsync(halc, [Line(1, "412000008", "Łucja", "Dvořák")], Settings());
        var corvBytes = await HandbackBytesAsync(corv, [Line(1, "0047182902", "Jörg", "Müller")], Settings("PROGRAMME_ERROR=1"));

        Assert.Contains($"{TransactionId(1)};0000;Credited;15.03.2025 07:40\r\n", Encoding.Latin1.GetString(halcBytes), StringComparison.Ordinal);
        Assert.Contains($"{TransactionId(1)},9001,\"System busy, resend\",2025-03-15\r\n", Encoding.UTF8.GetString(corvBytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableAccrualFile_IsRefused_AndNothingIsWritten()
    {
        var spec = ProgrammeDefinitions.Get("QUIL").Exchange;
        using var accrual = new MemoryStream(Encoding.UTF8.GetBytes("H|QUIL|000042|20250314|090000\nD|1|314159266|H|Tanaka|5000|20250314\nT|1|9999\n"));
        using var handback = new MemoryStream();

        var refusal = await Assert.ThrowsAsync<PartnerFileException>(() => ProgrammeSimulator.AnswerFileAsync(
            spec, Settings(), accrual, spec.AccrualFileName(Sequence, new DateOnly(2025, 3, 14)), handback, ProcessedAt, CancellationToken.None));

        Assert.Contains("trailer", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, handback.Length);
    }

    [Fact]
    public async Task AccrualFileWithAnotherProgrammesName_IsRefused()
    {
        var corv = ProgrammeDefinitions.Get("CORV").Exchange;
        var bytes = await WriteAccrualsAsync(corv, Batch("CORV", Sequence), [Line(1, "0047182902", "Jörg", "Müller")]);
        using var accrual = new MemoryStream(bytes);
        using var handback = new MemoryStream();

        await Assert.ThrowsAsync<PartnerFileException>(() => ProgrammeSimulator.AnswerFileAsync(
            corv, Settings(), accrual, "VERD-ACCRUAL-00042-03142025.tsv", handback, ProcessedAt, CancellationToken.None));
    }

    private static CanonicalOutcome? Canonical(PartnerFileSpec spec, string code) =>
        spec.OutcomeCodes.TryGetCanonical(code, out var outcome) ? outcome : null;

    private static string UnseededId(string code) => code switch
    {
        "CORV" => "1200000048",
        "QUIL" => "123456780",
        "TAMR" => "AB123456",
        "LUMO" => "000000000097",
        "HALC" => "100000006",
        _ => "A9C3X8RA",
    };

    private static async Task<byte[]> HandbackBytesAsync(PartnerFileSpec spec, IReadOnlyList<AccrualLine> lines, SimulatorSettings settings)
    {
        var bytes = await WriteAccrualsAsync(spec, Batch(spec.ProgrammeCode, Sequence), lines);
        using var accrual = new MemoryStream(bytes);
        using var handback = new MemoryStream();
        await ProgrammeSimulator.AnswerFileAsync(
            spec, settings, accrual, spec.AccrualFileName(Sequence, new DateOnly(2025, 3, 14)), handback, ProcessedAt, CancellationToken.None);
        return handback.ToArray();
    }

    private static async Task<(FileAnswer Answer, HandbackFile Handback)> AnswerAsync(
        PartnerFileSpec spec, IReadOnlyList<AccrualLine> lines, SimulatorSettings settings)
    {
        var bytes = await WriteAccrualsAsync(spec, Batch(spec.ProgrammeCode, Sequence), lines);
        using var accrual = new MemoryStream(bytes);
        using var handback = new MemoryStream();

        var answer = await ProgrammeSimulator.AnswerFileAsync(
            spec, settings, accrual, spec.AccrualFileName(Sequence, new DateOnly(2025, 3, 14)), handback, ProcessedAt, CancellationToken.None);

        handback.Position = 0;
        var read = await spec.Format.ReadHandbackAsync(handback, answer.HandbackFileName, CancellationToken.None);
        return (answer, read);
    }
}
