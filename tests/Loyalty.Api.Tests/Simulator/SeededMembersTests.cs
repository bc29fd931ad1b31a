using Loyalty.Api.Domain;
using Loyalty.Api.Tests.Domain;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>tools/Loyalty.ProgrammeSimulator/members.json and the rules its loader enforces.</summary>
[Collection(ApiSuite.Name)]
public sealed class SeededMembersTests(ApiFixture api)
{
    [Fact]
    public void MembersFile_SeedsEveryProgrammeWithPartnerFiles()
    {
        Assert.Equal(
            Fulfilment.Formats.PartnerFileTesting.ProgrammeCodes.Order(StringComparer.Ordinal),
            Members.Programmes.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("CORV", NameRule.SurnameFold)]
    [InlineData("QUIL", NameRule.InitialSurnameFold)]
    [InlineData("TAMR", NameRule.FullExact)]
    [InlineData("LUMO", NameRule.None)]
    [InlineData("HALC", NameRule.FullFold)]
    [InlineData("VERD", NameRule.SurnameCase)]
    public void MembersFile_NameRule_IsTheCataloguesRule(string code, NameRule rule) =>
        Assert.Equal(rule, Members.For(code).NameRule);

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public void SeededMemberIds_AreCanonicalAndPassTheProgrammesMemberIdRule(string code)
    {
        var rule = api.MemberIdRule(code);
        foreach (var member in Members.For(code).Members)
        {
            var check = rule.Check(member.MemberId);
            Assert.True(check.IsValid, $"{code} {member.MemberId}: {check.ErrorCode}");
            Assert.Equal(member.MemberId, check.NormalisedMemberId);
        }
    }

    [Theory]
    [MemberData(nameof(SimulatorTesting.Programmes), MemberType = typeof(SimulatorTesting))]
    public void EveryProgramme_HasActiveClosedAndSuspendedMembers(string code)
    {
        var statuses = Members.For(code).Members.Select(member => member.Status).ToHashSet();

        Assert.Equal([MemberStatus.Active, MemberStatus.Closed, MemberStatus.Suspended], statuses.Order());
    }

    [Theory]
    [InlineData("CORV", "0047182902", "Jörg", "Müller")]
    [InlineData("CORV", "7310592642", "Aoife", "O'Brien-Núñez")]
    [InlineData("QUIL", "314159266", "Hana", "Tanaka")]
    [InlineData("QUIL", "56000012X", "Wei", "Lim")]
    [InlineData("TAMR", "TK004512", "Anjali", "Rao")]
    [InlineData("TAMR", "MN998201", "Omar", "Haddad")]
    [InlineData("LUMO", "001234567889", null, null)]
    [InlineData("LUMO", "440091827357", null, null)]
    [InlineData("HALC", "572004136", "Jürgen", "Weiß")]
    [InlineData("HALC", "800112359", "Zoë", "Brandstätter")]
    [InlineData("VERD", "7KQ4M2ZD", "María", "García")]
    public void DomainExampleMembers_AreSeededActive_WithTheExamplesNames(string code, string memberId, string? givenName, string? surname)
    {
        Assert.True(Members.For(code).TryFind(memberId, out var member));
        Assert.Equal(new SeededMember(memberId, givenName, surname, MemberStatus.Active), member);
    }

    [Fact]
    public void MemberIdsAreMatchedExactly_SoLeadingZerosAndCaseCount()
    {
        Assert.False(Members.For("CORV").TryFind("47182902", out _));
        Assert.False(Members.For("QUIL").TryFind("56000012x", out _));
    }

    [Fact]
    public void For_ProgrammeWithoutMembers_Throws() =>
        Assert.Throws<KeyNotFoundException>(() => Members.For("ZZZZ"));

    [Theory]
    [InlineData("""{"ZZZZ": {"nameRule": "NONE", "members": []}}""", "ZZZZ: not a programme with partner files")]
    [InlineData("""{"CORV": {"nameRule": "SURNAME", "members": []}}""", "Unknown name rule 'SURNAME'")]
    [InlineData("""{"LUMO": {"nameRule": "SURNAME_FOLD", "members": []}}""", "no NAME_MISMATCH code")]
    [InlineData("""{"CORV": {"nameRule": "FULL_EXACT", "members": []}}""", "CORV: rule FULL_EXACT, but the programme matches names by SURNAME_FOLD")]
    [InlineData("""{"CORV": {"nameRule": "SURNAME_FOLD", "members": [{"memberId": "0047182902", "givenName": "Jörg", "surname": "Müller", "status": "frozen"}]}}""",
        "status 'frozen' is not active, closed or suspended")]
    [InlineData("""{"CORV": {"nameRule": "SURNAME_FOLD", "members": [{"memberId": "0047182902", "givenName": "Jörg", "surname": null, "status": "active"}]}}""",
        "member 0047182902: the programme's name rule needs a surname")]
    [InlineData("""{"TAMR": {"nameRule": "FULL_EXACT", "members": [{"memberId": "TK004512", "givenName": " ", "surname": "Rao", "status": "active"}]}}""",
        "member TK004512: the programme's name rule needs a givenName")]
    [InlineData("""{"LUMO": {"nameRule": "NONE", "members": [{"memberId": "001234567889", "givenName": null, "surname": null, "status": "active"}, {"memberId": "001234567889", "givenName": null, "surname": null, "status": "closed"}]}}""",
        "member 001234567889 is listed 2 times")]
    [InlineData("""{"LUMO": {"nameRule": "NONE", "members": [{"memberId": "001234567889", "givenName": null, "surname": null, "status": "active", "tier": "gold"}]}}""",
        "tier")]
    [InlineData("""{"LUMO": {"nameRule": "NONE"}}""", "members")]
    [InlineData("""{"LUMO": """, "test.json: ")]
    [InlineData("null", "expected an object of programmes")]
    public void Parse_InvalidData_ThrowsSayingWhere(string json, string expected)
    {
        var refusal = Assert.Throws<InvalidDataException>(() => SeededMembers.Parse(json, "test.json"));

        Assert.Contains(expected, refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.json: ", refusal.Message, StringComparison.Ordinal);
    }
}
