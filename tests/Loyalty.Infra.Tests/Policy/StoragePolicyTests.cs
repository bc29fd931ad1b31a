using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class StoragePolicyTests
{
    [Fact]
    public void S31_BlockedAndOwnerEnforcedBucket_HasNoFinding()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        });

        Assert.Empty(gate.Findings(StorageRules.NeverPublic.Id));
    }

    [Fact]
    public void S31_PublicReadBucket_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new CfnBucket(gate.Stack, "Files", new CfnBucketProps { AccessControl = "PublicRead" });

        Gate.AssertFinding(gate.Errors(StorageRules.NeverPublic.Id), StorageRules.NeverPublic, "Gate-dev/Files");
    }

    [Fact]
    public void S34_VersionedBucketExpiringOldVersions_HasNoFinding()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps
        {
            Versioned = true,
            LifecycleRules = [new LifecycleRule { NoncurrentVersionExpiration = Duration.Days(30) }],
        });

        Assert.Empty(gate.Findings(StorageRules.Versioned.Id));
    }

    [Fact]
    public void S34_UnversionedBucket_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files");

        var findings = gate.Errors(StorageRules.Versioned.Id);

        Gate.AssertFinding(findings, StorageRules.Versioned, "Gate-dev/Files/Resource");
        Assert.Contains(findings, f => f.Contains("VersioningConfiguration.Status is not Enabled", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("no lifecycle rule has NoncurrentVersionExpiration", StringComparison.Ordinal));
    }
}
