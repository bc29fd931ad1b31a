using System.Text.RegularExpressions;
using Amazon.CDK.Assertions;
using Match = Amazon.CDK.Assertions.Match;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>The gate against infra/POLICY.md's rule table: what is implemented, and nothing invented.</summary>
[Collection(StagesSuite.Name)]
public sealed partial class PolicyCoverageTests(Stages stages)
{
    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Fact]
    public void EveryTableRule_IsImplemented()
    {
        var missing = Table().Keys.Where(id => PolicyRules.All.All(r => r.Id != id)).Order().ToList();

        Assert.True(missing.Count == 0, $"not implemented: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// Each rule is named in a <c>Gate.AssertFinding</c> of some test: that test builds a bad construct and sees the rule
    /// fire with its path and fix. (The rule objects are found by their fields, as the tests spell them.)
    /// </summary>
    [Fact]
    public void EveryRule_HasATestThatSeesItFire()
    {
        var tests = string.Join("\n", Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "tests", "Loyalty.Infra.Tests", "Policy"), "*.cs")
            .Select(File.ReadAllText));
        var fields = typeof(PolicyRule).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(f => f.FieldType == typeof(PolicyRule))
            .ToDictionary(f => (PolicyRule)f.GetValue(null)!, f => $"{f.DeclaringType!.Name}.{f.Name}");

        var unseen = PolicyRules.All
            .Where(rule => !Regex.IsMatch(tests, $@"AssertFinding\([^;]*\b{Regex.Escape(fields[rule])}\b"))
            .Select(rule => $"{rule.Id} ({fields[rule]})")
            .ToList();

        Assert.True(unseen.Count == 0, $"no test asserts a finding of: {string.Join(", ", unseen)}");
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

    /// <summary>
    /// Both real stages pass the gate without a single finding: prod turns every finding into an error (synth would
    /// fail), and a dev warning would pass synth unseen but fails here. That findings carry table ids is what each
    /// rule's own firing test shows.
    /// </summary>
    [Theory]
    [MemberData(nameof(StageNames))]
    public void RealStack_HasNoFinding(string stage)
    {
        var annotations = Annotations.FromStack(stages[stage].Stack);
        var findings = annotations.FindError("*", Match.AnyValue()).Concat(annotations.FindWarning("*", Match.AnyValue()))
            .Select(m => m.Entry.Data?.ToString() ?? "")
            .Where(m => RuleId().IsMatch(m))
            .ToList();

        Assert.Empty(findings);
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
