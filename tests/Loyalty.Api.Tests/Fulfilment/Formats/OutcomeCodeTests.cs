using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using static Loyalty.Core.PartnerFiles.CanonicalOutcome;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>The outcome code tables of DOMAIN.md §6.</summary>
public sealed class OutcomeCodeTests
{
    [Theory]
    [InlineData("Shared", "0000", Success)]
    [InlineData("Shared", "1001", MemberNotFound)]
    [InlineData("Shared", "1002", NameMismatch)]
    [InlineData("Shared", "1003", AccountClosed)]
    [InlineData("Shared", "1004", AccountSuspended)]
    [InlineData("Shared", "2001", InvalidAmount)]
    [InlineData("Shared", "2002", Duplicate)]
    [InlineData("Shared", "3001", InvalidRecord)]
    [InlineData("Shared", "9001", ProgrammeError)]
    [InlineData("QUIL", "A00", Success)]
    [InlineData("QUIL", "R01", MemberNotFound)]
    [InlineData("QUIL", "R02", NameMismatch)]
    [InlineData("QUIL", "R03", AccountClosed)]
    [InlineData("QUIL", "R04", AccountSuspended)]
    [InlineData("QUIL", "R05", InvalidAmount)]
    [InlineData("QUIL", "R06", Duplicate)]
    [InlineData("QUIL", "R09", InvalidRecord)]
    [InlineData("QUIL", "E99", ProgrammeError)]
    [InlineData("LUMO", "00", Success)]
    [InlineData("LUMO", "M1", MemberNotFound)]
    [InlineData("LUMO", "M3", AccountClosed)]
    [InlineData("LUMO", "M4", AccountSuspended)]
    [InlineData("LUMO", "A1", InvalidAmount)]
    [InlineData("LUMO", "D1", Duplicate)]
    [InlineData("LUMO", "F1", InvalidRecord)]
    [InlineData("LUMO", "99", ProgrammeError)]
    [InlineData("TAMR", "OK", Success)]
    [InlineData("TAMR", "NO_MEMBER", MemberNotFound)]
    [InlineData("TAMR", "NAME_MISMATCH", NameMismatch)]
    [InlineData("TAMR", "CLOSED", AccountClosed)]
    [InlineData("TAMR", "BLOCKED", AccountSuspended)]
    [InlineData("TAMR", "BAD_AMOUNT", InvalidAmount)]
    [InlineData("TAMR", "DUPLICATE", Duplicate)]
    [InlineData("TAMR", "BAD_RECORD", InvalidRecord)]
    [InlineData("TAMR", "RETRY_LATER", ProgrammeError)]
    public void EveryCode_MapsToItsCanonicalOutcome_AndBack(string set, string code, CanonicalOutcome outcome)
    {
        var codes = Set(set);

        Assert.True(codes.TryGetCanonical(code, out var canonical));
        Assert.Equal(outcome, canonical);
        Assert.True(codes.TryGetCode(outcome, out var back));
        Assert.Equal(code, back);
    }

    [Theory]
    [InlineData("Shared", 9)]
    [InlineData("QUIL", 9)]
    [InlineData("LUMO", 8)]
    [InlineData("TAMR", 9)]
    public void EachTable_HasOneCodePerOutcomeItCanReport(string set, int count) =>
        Assert.Equal(count, Set(set).Codes.Count);

    [Theory]
    [InlineData("Shared", " 0000")]
    [InlineData("Shared", "0000 ")]
    [InlineData("Shared", "000")]
    [InlineData("Shared", "A00")]
    [InlineData("QUIL", "a00")]
    [InlineData("QUIL", "R2")]
    [InlineData("LUMO", "m1")]
    [InlineData("LUMO", "0")]
    [InlineData("LUMO", "1002")]
    [InlineData("TAMR", "ok")]
    [InlineData("TAMR", "Ok")]
    [InlineData("TAMR", "SUCCESS")]
    [InlineData("TAMR", "")]
    public void CodesMatchExactly_SoOtherSpellingsAreUnknown(string set, string code) =>
        Assert.False(Set(set).TryGetCanonical(code, out _));

    [Fact]
    public void Lumo_HasNoNameMismatchCode()
    {
        Assert.False(OutcomeCodeSets.Lumo.TryGetCode(NameMismatch, out var code));
        Assert.Null(code);
        Assert.DoesNotContain(NameMismatch, OutcomeCodeSets.Lumo.Codes.Values);
    }

    [Theory]
    [InlineData("CORV", "Shared")]
    [InlineData("HALC", "Shared")]
    [InlineData("VERD", "Shared")]
    [InlineData("QUIL", "QUIL")]
    [InlineData("LUMO", "LUMO")]
    [InlineData("TAMR", "TAMR")]
    public void EachProgramme_UsesItsCodeTable(string programme, string set) =>
        Assert.Same(Set(set), ProgrammeDefinitions.Get(programme).Exchange.OutcomeCodes);

    [Theory]
    [InlineData(Success, "SUCCESS", true, false)]
    [InlineData(MemberNotFound, "MEMBER_NOT_FOUND", true, false)]
    [InlineData(NameMismatch, "NAME_MISMATCH", true, false)]
    [InlineData(AccountClosed, "ACCOUNT_CLOSED", true, false)]
    [InlineData(AccountSuspended, "ACCOUNT_SUSPENDED", true, false)]
    [InlineData(InvalidAmount, "INVALID_AMOUNT", true, false)]
    [InlineData(Duplicate, "DUPLICATE", true, true)]
    [InlineData(InvalidRecord, "INVALID_RECORD", true, true)]
    [InlineData(ProgrammeError, "PROGRAMME_ERROR", false, false)]
    public void CanonicalOutcomes_KnowTheirNameFinalityAndAlert(CanonicalOutcome outcome, string code, bool final, bool alert)
    {
        Assert.Equal(code, outcome.ToCode());
        Assert.Equal(final, outcome.IsFinal());
        Assert.Equal(alert, outcome.RaisesOpsAlert());
        Assert.True(CanonicalOutcomes.TryParse(code, out var parsed));
        Assert.Equal(outcome, parsed);
    }

    [Fact]
    public void CanonicalTable_CoversEveryOutcomeOnceInEnumOrder() =>
        Assert.Equal(Enum.GetValues<CanonicalOutcome>(), CanonicalOutcomes.All.Select(definition => definition.Outcome));

    [Theory]
    [InlineData("success")]
    [InlineData("SUCCESS ")]
    [InlineData("RETRIES_EXHAUSTED")]
    public void CanonicalNames_ParseExactly(string code) => Assert.False(CanonicalOutcomes.TryParse(code, out _));

    [Fact]
    public void UnknownCanonicalOutcome_HasNoDefinition() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ((CanonicalOutcome)99).ToCode());

    [Fact]
    public void CodeTable_RefusesOneCodeForTwoOutcomes() =>
        Assert.Throws<ArgumentException>(() => new OutcomeCodeSet("Broken", new Dictionary<CanonicalOutcome, string>
        {
            [Success] = "00",
            [ProgrammeError] = "00",
        }));

    private static OutcomeCodeSet Set(string name) => OutcomeCodeSets.All.Single(set => set.Name == name);
}
