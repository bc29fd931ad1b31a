using Amazon.CDK.AWS.S3;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-S3-5, a warning: printed in dev, an error (failing synth) in prod.</summary>
[Collection(StagesSuite.Name)]
public sealed class StorageWarningTests
{
    [Fact]
    public void S35_BucketLoggingToALogBucket_HasNoFinding()
    {
        var gate = new Gate("prod");
        var logs = new Bucket(gate.Stack, "Logs");
        _ = new Bucket(gate.Stack, "Files", new BucketProps { ServerAccessLogsBucket = logs });

        Assert.DoesNotContain(gate.Findings(StorageRules.AccessLogged.Id), f => f.Contains(" Gate-prod/Files/Resource: ", StringComparison.Ordinal));
    }

    [Fact]
    public void S35_UnloggedBucketInDev_IsOnlyAWarning()
    {
        var gate = new Gate("dev");
        _ = new Bucket(gate.Stack, "Files");

        Gate.AssertFinding(gate.Warnings(StorageRules.AccessLogged.Id), StorageRules.AccessLogged, "Gate-dev/Files/Resource");
        Assert.Empty(gate.Errors(StorageRules.AccessLogged.Id));
    }

    [Fact]
    public void S35_UnloggedBucketInProd_FailsSynth()
    {
        var gate = new Gate("prod");
        _ = new Bucket(gate.Stack, "Files");

        Gate.AssertFinding(gate.Errors(StorageRules.AccessLogged.Id), StorageRules.AccessLogged, "Gate-prod/Files/Resource");
        Assert.Empty(gate.Warnings(StorageRules.AccessLogged.Id));
    }
}
