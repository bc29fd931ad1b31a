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

        Assert.Contains(gate.GateErrors(), e => e.Contains("matches no resource path Gate-dev/Gone", StringComparison.Ordinal));
    }

    [Fact]
    public void SuppressionOfAConstructThatIsNoResource_FailsSynth()
    {
        // The L2 bucket's path: the gate checks its L1 (…/Quiet/Resource), so this would silence nothing.
        var gate = new Gate("dev", [new PolicySuppression("dev", StorageRules.AccessLogged.Id, "Gate-dev/Quiet", Reason)]);
        _ = new Bucket(gate.Stack, "Quiet");

        Assert.Contains(gate.GateErrors(), e => e.Contains("matches no resource path Gate-dev/Quiet", StringComparison.Ordinal));
    }

    [Fact]
    public void SuppressionOfARuleThatNoLongerFires_IsStale()
    {
        var gate = new Gate("dev", [new PolicySuppression("dev", StorageRules.NeverPublic.Id, "Gate-dev/Fixed", Reason)]);
        _ = new Bucket(gate.Stack, "Other");
        _ = new CfnBucket(gate.Stack, "Fixed", new CfnBucketProps
        {
            PublicAccessBlockConfiguration = new CfnBucket.PublicAccessBlockConfigurationProperty
            {
                BlockPublicAcls = true,
                BlockPublicPolicy = true,
                IgnorePublicAcls = true,
                RestrictPublicBuckets = true,
            },
            OwnershipControls = new CfnBucket.OwnershipControlsProperty
            {
                Rules = new object[] { new CfnBucket.OwnershipControlsRuleProperty { ObjectOwnership = "BucketOwnerEnforced" } },
            },
        });

        Assert.Contains(gate.GateErrors(), e => e.Contains($"Policy suppression {StorageRules.NeverPublic.Id} at Gate-dev/Fixed is stale", StringComparison.Ordinal));
        Assert.DoesNotContain(gate.GateErrors(), e => e.Contains("Gate-dev/Other", StringComparison.Ordinal));
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
