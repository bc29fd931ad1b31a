using System.Text.RegularExpressions;
using Amazon.CDK.Assertions;
using Match = Amazon.CDK.Assertions.Match;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>The gate against infra/POLICY.md's rule table: what is implemented, what is not yet, and nothing invented.</summary>
[Collection(StagesSuite.Name)]
public sealed partial class PolicyCoverageTests(Stages stages)
{
    /// <summary>Rules of the table with no implementation yet. Implementing one means deleting it here.</summary>
    private static readonly HashSet<string> NotYetImplemented =
    [
        "LOY-CMP-4",
        "LOY-DB-4",
        "LOY-MSG-3",
        "LOY-ID-1", "LOY-ID-2", "LOY-ID-3", "LOY-ID-4",
        "LOY-EDGE-1", "LOY-EDGE-2", "LOY-EDGE-3", "LOY-EDGE-4", "LOY-EDGE-5", "LOY-EDGE-6",
        "LOY-OBS-3",
        "LOY-RES-2", "LOY-RES-4", "LOY-RES-5",
    ];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Fact]
    public void EveryTableRule_IsImplemented_OrListedAsNotYetImplemented()
    {
        var missing = Table().Keys.Where(id => PolicyRules.All.All(r => r.Id != id)).ToHashSet();

        Assert.True(missing.SetEquals(NotYetImplemented),
            $"not implemented: {string.Join(", ", missing.Order())}; NotYetImplemented lists: {string.Join(", ", NotYetImplemented.Order())}");
    }

    [Fact]
    public void EveryImplementedRule_IsInTheTable_WithItsSeverity()
    {
        var table = Table();

        Assert.All(PolicyRules.All, rule =>
        {
            Assert.True(table.TryGetValue(rule.Id, out var severity), $"{rule.Id} is not in infra/POLICY.md");
            Assert.Equal(severity == "E" ? Severity.Error : Severity.Warning, rule.Severity);
        });
        Assert.Equal(PolicyRules.All.Count, PolicyRules.All.Select(r => r.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RealStack_EmitsOnlyIdsOfTheTable(string stage)
    {
        var annotations = Annotations.FromStack(stages[stage].Stack);
        var messages = annotations.FindError("*", Match.AnyValue()).Concat(annotations.FindWarning("*", Match.AnyValue()))
            .Select(m => m.Entry.Data?.ToString() ?? "");
        var table = Table();

        Assert.All(messages.SelectMany(m => RuleId().Matches(m)).Select(m => m.Value), id => Assert.Contains(id, table.Keys));
    }

    /// <summary>Id to severity letter, from the rows of infra/POLICY.md's rule table.</summary>
    private static Dictionary<string, string> Table() =>
        File.ReadLines(Path.Combine(RepositoryRoot.Path, "infra", "POLICY.md"))
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["id"].Value, m => m.Groups["sev"].Value);

    [GeneratedRegex(@"^\| (?<id>LOY-[A-Z0-9]+-\d+) \| (?<sev>[EW]) \|")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"LOY-[A-Z0-9]+-\d+")]
    private static partial Regex RuleId();
}
