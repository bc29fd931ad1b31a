using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;
using static Loyalty.Core.PartnerFiles.CanonicalOutcome;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>
/// The programme's decision for one row (DOMAIN.md §3.1, §6): member found, status, the programme's name rule, then
/// the mix. Rows are given as each programme's format reads them back, so names arrive as far as the file carries them.
/// </summary>
public sealed class RowAnswerTests
{
    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task ActiveMember_WithTheSeededNames_Succeeds(string code)
    {
        foreach (var member in Members.For(code).Members.Where(m => m.Status == MemberStatus.Active))
        {
            Assert.Equal(Success, await OutcomeAsync(code, member.MemberId, member.GivenName, member.Surname));
        }
    }

    [Theory]
    [InlineData("CORV", "0047182903")]
    [InlineData("CORV", "47182902")]
    [InlineData("QUIL", "56000012x")]
    [InlineData("TAMR", "TK004513")]
    [InlineData("LUMO", "001234567898")]
    [InlineData("HALC", "100000006")]
    [InlineData("VERD", "7KQ4-M2ZD")]
    public async Task UnseededMemberId_IsMemberNotFound(string code, string memberId) =>
        Assert.Equal(MemberNotFound, await OutcomeAsync(code, memberId, "Hana", "Tanaka"));

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task ClosedAndSuspendedMembers_AreRefusedAsSuch_EvenWithWrongNames(string code)
    {
        var closed = Member(code, MemberStatus.Closed);
        var suspended = Member(code, MemberStatus.Suspended);

        Assert.Equal(AccountClosed, await OutcomeAsync(code, closed.MemberId, closed.GivenName, closed.Surname));
        Assert.Equal(AccountSuspended, await OutcomeAsync(code, suspended.MemberId, suspended.GivenName, suspended.Surname));
        Assert.Equal(AccountClosed, await OutcomeAsync(code, closed.MemberId, "Nobody", "Else"));
    }

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public async Task UnseededMember_WhenAcceptingUnknownMembers_GoesToTheMix(string code)
    {
        var closed = Member(code, MemberStatus.Closed);
        var lenient = Settings(acceptUnknownMembers: true);
        var unknown = code switch
        {
            "CORV" => "0000000000",
            "QUIL" => "000000000",
            "TAMR" => "ZZ000000",
            "LUMO" => "000000000097",
            "HALC" => "000000000",
            _ => "ZZZZZZZZ",
        };

        Assert.Equal(Success, await OutcomeAsync(code, unknown, "Any", "Name", lenient));
        Assert.Equal(ProgrammeError, await OutcomeAsync(code, unknown, "Any", "Name", Settings("PROGRAMME_ERROR=1", acceptUnknownMembers: true)));
        Assert.Equal(AccountClosed, await OutcomeAsync(code, closed.MemberId, closed.GivenName, closed.Surname, lenient));
    }

    [Theory]
    // CORV, SURNAME_FOLD: surnames equal after FOLD; the given name is not compared.
    [InlineData("CORV", "7310592642", "Aoife", "O'Brien-Núñez", Success)]
    [InlineData("CORV", "7310592642", "Aoife", "O’Brien Nunez", Success)]
    [InlineData("CORV", "7310592642", null, "obrien nuñez", Success)]
    [InlineData("CORV", "7310592642", "Siobhán", "O'BRIEN-NÚÑEZ", Success)]
    [InlineData("CORV", "7310592642", "Aoife", "O'Brien", NameMismatch)]
    [InlineData("CORV", "0047182902", "Jorg", "MULLER", Success)]
    [InlineData("CORV", "0047182902", "Jörg", "Mueller", NameMismatch)]
    [InlineData("CORV", "5500000004", "Henrik", "Ødegård", AccountClosed)]
    // QUIL, INITIAL_SURNAME_FOLD: the file carries only the initial, uppercased.
    [InlineData("QUIL", "314159266", "Hiroshi", "Tanaka", Success)]
    [InlineData("QUIL", "314159266", "hana", "TANAKA", Success)]
    [InlineData("QUIL", "314159266", "Ana", "Tanaka", NameMismatch)]
    [InlineData("QUIL", "314159266", null, "Tanaka", NameMismatch)]
    [InlineData("QUIL", "314159266", "Hana", "Tanaka-Sato", NameMismatch)]
    [InlineData("QUIL", "56000012X", "W", "Lim", Success)]
    [InlineData("QUIL", "202501175", "Sung", "PARK", Success)]
    // TAMR, FULL_EXACT: "given surname" equal ordinally, case and accents matter.
    [InlineData("TAMR", "TK004512", "Anjali", "Rao", Success)]
    [InlineData("TAMR", "TK004512", " Anjali ", "  Rao", Success)]
    [InlineData("TAMR", "TK004512", "anjali", "rao", NameMismatch)]
    [InlineData("TAMR", "TK004512", "Anjali", "Ráo", NameMismatch)]
    [InlineData("TAMR", "TK004512", "A.", "Rao", NameMismatch)]
    [InlineData("TAMR", "RS100000", "Li", "Na", Success)]
    [InlineData("TAMR", "RS100000", "Li Na", null, Success)]
    // LUMO, NONE: no names in the file; the member id alone decides.
    [InlineData("LUMO", "001234567889", "Any", "Body", Success)]
    [InlineData("LUMO", "001234567889", null, null, Success)]
    // HALC, FULL_FOLD: both names equal after FOLD, after the file's Latin-1 transliteration.
    [InlineData("HALC", "572004136", "Jürgen", "Weiß", Success)]
    [InlineData("HALC", "572004136", "JURGEN", "WEISS", Success)]
    [InlineData("HALC", "572004136", "Jurgen", "Weiss", Success)]
    [InlineData("HALC", "572004136", "Jürgen", "Weis", NameMismatch)]
    [InlineData("HALC", "572004136", "Jörg", "Weiß", NameMismatch)]
    [InlineData("HALC", "412000008", "Łucja", "Dvořák", Success)]
    [InlineData("HALC", "412000008", "Lucja", "Dvorak", Success)]
    [InlineData("HALC", "412000008", "Łucja", "Dvořáková", NameMismatch)]
    [InlineData("HALC", "800112359", "Zoe", "Brandstatter", Success)]
    // VERD, SURNAME_CASE: surname equal ignoring case only; accents matter.
    [InlineData("VERD", "7KQ4M2ZD", "María", "García", Success)]
    [InlineData("VERD", "7KQ4M2ZD", null, "GARCÍA", Success)]
    [InlineData("VERD", "7KQ4M2ZD", null, "garcía", Success)]
    [InlineData("VERD", "7KQ4M2ZD", "María", "Garcia", NameMismatch)]
    [InlineData("VERD", "7KQ4M2ZD", "María", "García Lopez", NameMismatch)]
    public async Task Names_AreMatchedByTheProgrammesRule(string code, string memberId, string? givenName, string? surname, CanonicalOutcome expected) =>
        Assert.Equal(expected, await OutcomeAsync(code, memberId, givenName, surname));

    [Theory]
    [InlineData("CORV", "0047182902", "Jörg", "Müller")]
    [InlineData("TAMR", "TK004512", "Anjali", "Rao")]
    [InlineData("HALC", "572004136", "Jürgen", "Weiß")]
    [InlineData("VERD", "7KQ4M2ZD", "María", "García")]
    public async Task DecomposedSpelling_OfTheSeededName_Matches(string code, string memberId, string givenName, string surname)
    {
        var decomposed = Assert.Single(await AsReadAsync(code, Line(1, memberId,
            givenName.Normalize(System.Text.NormalizationForm.FormD), surname.Normalize(System.Text.NormalizationForm.FormD))));

        Assert.Equal(Success, ProgrammeSimulator.AnswerRow(ProgrammeDefinitions.Get(code).Exchange, Settings(), 1, decomposed).Outcome);
    }

    [Fact]
    public void LumoHasNoNameMismatchCode_SoItsRuleIsNone()
    {
        Assert.False(ProgrammeDefinitions.Get("LUMO").Exchange.OutcomeCodes.TryGetCode(NameMismatch, out _));
        Assert.Equal(Loyalty.Core.NameRule.None, Members.For("LUMO").NameRule);
    }

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public void HandbackRow_RefersEchoesCreditsAndExplains_AsTheProgrammesFilesDo(string code)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var active = Member(code, MemberStatus.Active);
        var credited = new AccrualLine(4, TransactionId(4), active.MemberId, active.GivenName, active.Surname, 12_500, new DateOnly(2025, 3, 14), "HARB");
        var unknown = credited with { RowSequence = 5, TransactionId = TransactionId(5), MemberId = "0" };

        var success = ProgrammeSimulator.AnswerRow(spec, Settings(), 9, credited);
        var refused = ProgrammeSimulator.AnswerRow(spec, Settings(), 9, unknown);

        Assert.True(spec.OutcomeCodes.TryGetCode(Success, out var successCode));
        Assert.True(spec.OutcomeCodes.TryGetCode(MemberNotFound, out var notFoundCode));
        var byId = spec.HandbackRefersTo == HandbackReference.TransactionId;
        Assert.Equal(new RowAnswer(Success, new HandbackLine(0, byId ? TransactionId(4) : null, byId ? null : 4, successCode, 12_500, active.MemberId, "Credited")), success);
        Assert.Equal(new RowAnswer(MemberNotFound, new HandbackLine(0, byId ? TransactionId(5) : null, byId ? null : 5, notFoundCode, 0, "0", "Member unknown")), refused);
    }

    [Fact]
    public void ProgrammeWithoutSeededMembers_Throws()
    {
        var onlyCorv = new SimulatorSettings { Members = new SeededMembers([Members.For("CORV")]) };

        Assert.Throws<KeyNotFoundException>(() =>
            ProgrammeSimulator.AnswerRow(ProgrammeDefinitions.Get("VERD").Exchange, onlyCorv, 1, Line(1, "7KQ4M2ZD", null, "García")));
    }
}
