using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>The README publishes every rule and suppression exactly as the generator renders them.</summary>
public sealed class PolicyReadmeTests
{
    [Fact]
    public void Readme_PolicySections_MatchTheGenerator()
    {
        var path = Path.Combine(RepositoryRoot.Path, "README.md");
        var readme = File.ReadAllText(path);
        var expected = PolicyReadme.Render(readme);

        // The approval step: rewrite the README deliberately, then review the diff.
        if (Environment.GetEnvironmentVariable("LOYALTY_APPROVE_README") == "1")
        {
            File.WriteAllText(path, expected);
            readme = expected;
        }

        Assert.True(readme == expected, "README.md's policy sections are out of date; expected:\n"
            + PolicyReadme.RulesTable(PolicyRules.All) + "\n" + PolicyReadme.SuppressionsTable(PolicySuppressions.All));
    }

    [Fact]
    public void RulesTable_HasOneRowPerRule_WithItsReason()
    {
        var table = PolicyReadme.RulesTable(PolicyRules.All);

        Assert.All(PolicyRules.All, rule => Assert.Contains($"| {rule.Id} | {rule.SeverityWord} | {rule.Area} | {rule.Why} |", table, StringComparison.Ordinal));
    }

    [Fact]
    public void SuppressionsTable_ListsStageIdPathAndReason()
    {
        var table = PolicyReadme.SuppressionsTable([new PolicySuppression("prod", "LOY-S3-5", "Loyalty-prod/Logs/Resource", "a log bucket does not log itself")]);

        Assert.Contains("| prod | LOY-S3-5 | `Loyalty-prod/Logs/Resource` | a log bucket does not log itself |", table, StringComparison.Ordinal);
    }
}
