using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;
using static Loyalty.Core.PartnerFiles.CanonicalOutcome;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>The configured outcome mix: parsing, and the deterministic weighted draw behind it.</summary>
public sealed class OutcomeMixTests
{
    private const string ActiveCorvMember = "0047182902";
    private const string PinnedDraws = "E,E,E,S,S,S,E,S,S,S,E,S";

    [Fact]
    public void Parse_OutcomesWithWeights_KeepsThemAndPrintsThemInCanonicalOrder()
    {
        var mix = OutcomeMix.Parse("SUCCESS=90,PROGRAMME_ERROR=5,ACCOUNT_CLOSED=5");

        Assert.Equal(new Dictionary<CanonicalOutcome, int> { [Success] = 90, [AccountClosed] = 5, [ProgrammeError] = 5 }, mix.Weights);
        Assert.Equal("SUCCESS=90,ACCOUNT_CLOSED=5,PROGRAMME_ERROR=5", mix.ToString());
    }

    [Fact]
    public void Parse_ToleratesSpacesAndZeroWeights_AndDropsTheZeros()
    {
        var mix = OutcomeMix.Parse(" SUCCESS = 3 , DUPLICATE=0, INVALID_RECORD=1 ");

        Assert.Equal(new Dictionary<CanonicalOutcome, int> { [Success] = 3, [InvalidRecord] = 1 }, mix.Weights);
    }

    [Fact]
    public void Default_IsAllSuccess() =>
        Assert.Equal(new Dictionary<CanonicalOutcome, int> { [Success] = 1 }, OutcomeMix.AllSuccess.Weights);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("SUCCESS", "'SUCCESS' in the outcome mix is not OUTCOME=WEIGHT")]
    [InlineData("SUCCESS=1=2", "is not OUTCOME=WEIGHT")]
    [InlineData("SUCESS=90", "'SUCESS' is not a canonical outcome; use one of SUCCESS, MEMBER_NOT_FOUND")]
    [InlineData("success=90", "'success' is not a canonical outcome")]
    [InlineData("SUCCESS=-1", "The weight of SUCCESS, '-1', is not a whole number")]
    [InlineData("SUCCESS=1.5", "'1.5', is not a whole number")]
    [InlineData("SUCCESS=ten", "'ten', is not a whole number")]
    [InlineData("SUCCESS=99999999999", "'99999999999', is not a whole number")]
    [InlineData("SUCCESS=1,SUCCESS=2", "SUCCESS appears more than once")]
    [InlineData("SUCCESS=0,PROGRAMME_ERROR=0", "weighs nothing")]
    [InlineData("SUCCESS=90,", "'' in the outcome mix is not OUTCOME=WEIGHT")]
    public void Parse_BadText_ThrowsFormatExceptionSayingWhatIsWrong(string text, string expected)
    {
        var refusal = Assert.Throws<FormatException>(() => OutcomeMix.Parse(text));

        Assert.Contains(expected, refusal.Message, StringComparison.Ordinal);
        Assert.False(OutcomeMix.TryParse(text, out _, out var error));
        Assert.Equal(refusal.Message, error);
    }

    [Fact]
    public void Pick_OnlyLandsOnOutcomesTheProgrammeHasACodeFor()
    {
        var lumo = ProgrammeDefinitions.Get("LUMO").Exchange.OutcomeCodes;
        var nameMismatchOnly = OutcomeMix.Parse("NAME_MISMATCH=1");
        var withError = OutcomeMix.Parse("NAME_MISMATCH=99,PROGRAMME_ERROR=1");

        for (ulong draw = 0; draw < 200; draw++)
        {
            Assert.Equal(Success, nameMismatchOnly.Pick(draw * 7919, lumo));
            Assert.Equal(ProgrammeError, withError.Pick(draw * 7919, lumo));
        }
    }

    [Fact]
    public void Pick_SplitsTheDrawRangeByWeightInCanonicalOrder()
    {
        var codes = ProgrammeDefinitions.Get("CORV").Exchange.OutcomeCodes;
        var mix = OutcomeMix.Parse("PROGRAMME_ERROR=2,SUCCESS=3");

        Assert.Equal([Success, Success, Success, ProgrammeError, ProgrammeError, Success],
            Enumerable.Range(0, 6).Select(draw => mix.Pick((ulong)draw, codes)));
    }

    [Fact]
    public void SameRowInSameFile_AlwaysGetsTheSameOutcome()
    {
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        var lines = Enumerable.Range(1, 200).Select(i => Line(i, ActiveCorvMember, "Jörg", "Müller")).ToList();

        var first = lines.Select(line => ProgrammeSimulator.AnswerRow(spec, Settings("SUCCESS=1,PROGRAMME_ERROR=1"), 7, line).Outcome).ToList();
        var again = lines.Select(line => ProgrammeSimulator.AnswerRow(spec, Settings("PROGRAMME_ERROR=1, SUCCESS=1"), 7, line).Outcome).ToList();

        Assert.Equal(first, again);
        Assert.Contains(Success, first);
        Assert.Contains(ProgrammeError, first);
    }

    [Fact]
    public void Draw_IsSha256OfTheRowAndFile_StableAcrossRunsAndMachines()
    {
        // Pinned, and checked outside .NET: the first 8 bytes of SHA-256("CORV\n{transaction id}\n3"), big-endian, mod 2.
        // A draw from string.GetHashCode would change from one process to the next.
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        var outcomes = Enumerable.Range(1, 12)
            .Select(i => ProgrammeSimulator.AnswerRow(spec, Settings("SUCCESS=1,PROGRAMME_ERROR=1"), 3, Line(i, ActiveCorvMember, null, "Müller")).Outcome);

        Assert.Equal(PinnedDraws, string.Join(",", outcomes.Select(o => o == Success ? "S" : "E")));
    }

    [Fact]
    public void ProgrammeErrorRow_ResentInLaterFiles_Succeeds()
    {
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        var settings = Settings("SUCCESS=1,PROGRAMME_ERROR=1");
        var retried = Enumerable.Range(1, 100)
            .Select(i => Line(i, ActiveCorvMember, null, "Müller"))
            .First(line => ProgrammeSimulator.AnswerRow(spec, settings, 1, line).Outcome == ProgrammeError);

        var later = Enumerable.Range(2, 30).Select(sequence => ProgrammeSimulator.AnswerRow(spec, settings, sequence, retried).Outcome).ToList();

        Assert.Contains(Success, later);
        Assert.Contains(ProgrammeError, later);
    }

    [Fact]
    public void RowsWithoutTransactionIds_DrawByPositionMemberAndAmount()
    {
        // QUIL files carry no transaction id: rows are told apart by row sequence, member and amount.
        var spec = ProgrammeDefinitions.Get("QUIL").Exchange;
        var settings = Settings("SUCCESS=1,PROGRAMME_ERROR=1");
        var outcomes = Enumerable.Range(1, 100)
            .Select(i => new AccrualLine(i, "", "314159266", "H", "Tanaka", 5_000, new DateOnly(2025, 3, 14), ""))
            .Select(line => ProgrammeSimulator.AnswerRow(spec, settings, 1, line).Outcome)
            .ToList();

        Assert.InRange(outcomes.Count(o => o == Success), 30, 70);
    }

    [Fact]
    public void ManyRows_FollowTheWeightsRoughly()
    {
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        var settings = Settings("SUCCESS=90,PROGRAMME_ERROR=5,ACCOUNT_CLOSED=5");
        const int Rows = 20_000;

        var counts = Enumerable.Range(1, Rows)
            .Select(i => new AccrualLine(i, $"01JPB{i:D21}", ActiveCorvMember, null, "Müller", 500, new DateOnly(2025, 3, 14), "HARB"))
            .Select(line => ProgrammeSimulator.AnswerRow(spec, settings, 1, line).Outcome)
            .CountBy(outcome => outcome)
            .ToDictionary();

        Assert.Equal([Success, AccountClosed, ProgrammeError], counts.Keys.Order());
        Assert.InRange(counts[Success], Rows * 0.88, Rows * 0.92);
        Assert.InRange(counts[ProgrammeError], Rows * 0.04, Rows * 0.06);
        Assert.InRange(counts[AccountClosed], Rows * 0.04, Rows * 0.06);
    }
}
