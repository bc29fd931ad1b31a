using Amazon.CDK;
using Amazon.CDK.Assertions;
using Annotations = Amazon.CDK.Assertions.Annotations;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>A small stack with the policy gate applied, for building one compliant or one bad construct.</summary>
public sealed class Gate
{
    public const string Account = "111111111111";
    public const string Region = "eu-west-2";

    /// <param name="tags">Stack tags, added before the gate as LoyaltyStack does: aspects on one node run in the order added.</param>
    public Gate(
        string stage = "dev",
        IEnumerable<PolicySuppression>? suppressions = null,
        IReadOnlyDictionary<string, string>? tags = null,
        IReadOnlyList<string>? sshAllowList = null,
        IReadOnlyList<BankSettings>? banks = null)
    {
        var app = new App();
        Stack = new Stack(app, $"Gate-{stage}", new StackProps { Env = new Amazon.CDK.Environment { Account = Account, Region = Region } });
        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            Amazon.CDK.Tags.Of(Stack).Add(key, value);
        }

        Aspects.Of(Stack).Add(new PolicyAspect(new PolicyStage(stage, stage == "prod", sshAllowList ?? [], banks ?? []), PolicyRules.All, suppressions ?? []));
    }

    public Stack Stack { get; }

    public IReadOnlyList<string> Errors(string ruleId) =>
        Annotations.FromStack(Stack).FindError("*", Match.StringLikeRegexp(ruleId + " ")).Select(m => m.Entry.Data?.ToString() ?? "").ToList();

    public IReadOnlyList<string> Warnings(string ruleId) =>
        Annotations.FromStack(Stack).FindWarning("*", Match.StringLikeRegexp(ruleId + " ")).Select(m => m.Entry.Data?.ToString() ?? "").ToList();

    /// <summary>All findings for a rule, whatever their level.</summary>
    public IReadOnlyList<string> Findings(string ruleId) => [.. Errors(ruleId), .. Warnings(ruleId)];

    /// <summary>Errors that are not a rule's finding (the gate's own, e.g. a bad suppression).</summary>
    public IReadOnlyList<string> GateErrors() =>
        Annotations.FromStack(Stack).FindError("*", Match.StringLikeRegexp("Policy suppression")).Select(m => m.Entry.Data?.ToString() ?? "").ToList();

    /// <summary>Asserts the rule fired at exactly this path, and each finding there carries the id, the path and the rule's fix.</summary>
    public static void AssertFinding(IReadOnlyList<string> findings, PolicyRule rule, string path)
    {
        var atPath = findings.Where(f => f.Contains($" {path}: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(atPath);
        Assert.All(atPath, f =>
        {
            Assert.StartsWith($"{rule.Id} {rule.SeverityWord} {path}: ", f, StringComparison.Ordinal);
            Assert.Contains($". Fix: {rule.Fix}", f, StringComparison.Ordinal);
        });
    }
}
