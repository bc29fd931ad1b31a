using Amazon.CDK.AWS.S3;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class SuppressionTests
{
    private const string Reason = "a reason that is long enough to be read";

    [Fact]
    public void ReasonedSuppression_SilencesExactlyOneIdAndPath()
    {
        var gate = new Gate("dev", [new PolicySuppression("dev", StorageRules.NeverPublic.Id, "Gate-dev/Quiet", Reason)]);
        _ = new CfnBucket(gate.Stack, "Quiet", new CfnBucketProps { AccessControl = "PublicRead" });
        _ = new CfnBucket(gate.Stack, "Loud", new CfnBucketProps { AccessControl = "PublicRead" });

        Assert.DoesNotContain(gate.Errors(StorageRules.NeverPublic.Id), f => f.Contains(" Gate-dev/Quiet: ", StringComparison.Ordinal));
        Gate.AssertFinding(gate.Errors(StorageRules.NeverPublic.Id), StorageRules.NeverPublic, "Gate-dev/Loud");
        Assert.Contains(gate.Warnings(StorageRules.AccessLogged.Id), f => f.Contains(" Gate-dev/Quiet: ", StringComparison.Ordinal));
        Assert.Empty(gate.GateErrors());
    }

    [Fact]
    public void SuppressionOfAnotherStage_DoesNotApply()
    {
        var gate = new Gate("dev", [new PolicySuppression("prod", StorageRules.NeverPublic.Id, "Gate-dev/Quiet", Reason)]);
        _ = new CfnBucket(gate.Stack, "Quiet", new CfnBucketProps { AccessControl = "PublicRead" });

        Gate.AssertFinding(gate.Errors(StorageRules.NeverPublic.Id), StorageRules.NeverPublic, "Gate-dev/Quiet");
    }

    [Theory]
    [InlineData("LOY-S3-1", "too short", "no reason of at least 20")]
    [InlineData("LOY-S3-1", "", "no reason of at least 20")]
    [InlineData("LOY-NOPE-9", Reason, "unknown rule LOY-NOPE-9")]
    public void MalformedSuppression_FailsSynth(string id, string reason, string expected)
    {
        var gate = new Gate("dev", [new PolicySuppression("dev", id, "Gate-dev/Quiet", reason)]);
        _ = new CfnBucket(gate.Stack, "Quiet", new CfnBucketProps { AccessControl = "PublicRead" });

        Assert.Contains(gate.GateErrors(), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void SuppressionMatchingNoPath_FailsSynth()
    {
        var gate = new Gate("dev", [new PolicySuppression("dev", StorageRules.NeverPublic.Id, "Gate-dev/Gone", Reason)]);
        _ = new CfnBucket(gate.Stack, "Quiet", new CfnBucketProps { AccessControl = "PublicRead" });

        Assert.Contains(gate.GateErrors(), e => e.Contains("matches no construct path Gate-dev/Gone", StringComparison.Ordinal));
    }

    [Fact]
    public void RecordedSuppressions_AllHaveKnownIdsAndReasons()
    {
        Assert.All(PolicySuppressions.All, s =>
        {
            Assert.Contains(PolicyRules.All, r => r.Id == s.RuleId);
            Assert.True(s.Reason.Length >= PolicySuppression.MinReasonLength, s.Reason);
        });
    }
}
