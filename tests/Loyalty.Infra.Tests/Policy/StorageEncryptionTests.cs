using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class StorageEncryptionTests
{
    [Fact]
    public void S32_KmsWithOwnKeyAndBucketKey_HasNoFinding()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps
        {
            Encryption = BucketEncryption.KMS,
            EncryptionKey = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true }),
            BucketKeyEnabled = true,
        });

        Assert.Empty(gate.Findings(StorageRules.EncryptedUnderOwnKey.Id));
    }

    [Fact]
    public void S32_S3ManagedOnALogBucket_HasNoFinding()
    {
        var gate = new Gate();
        var logs = new Bucket(gate.Stack, "Logs", new BucketProps { Encryption = BucketEncryption.S3_MANAGED });
        _ = new Bucket(gate.Stack, "Files", new BucketProps
        {
            Encryption = BucketEncryption.KMS,
            EncryptionKey = new Key(gate.Stack, "Key"),
            BucketKeyEnabled = true,
            ServerAccessLogsBucket = logs,
        });

        Assert.Empty(gate.Findings(StorageRules.EncryptedUnderOwnKey.Id));
    }

    [Fact]
    public void S32_S3ManagedOnADataBucket_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps { Encryption = BucketEncryption.S3_MANAGED });

        Gate.AssertFinding(gate.Errors(StorageRules.EncryptedUnderOwnKey.Id), StorageRules.EncryptedUnderOwnKey, "Gate-dev/Files/Resource");
    }

    [Fact]
    public void S32_KmsWithoutBucketKey_Fails()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps { Encryption = BucketEncryption.KMS, EncryptionKey = new Key(gate.Stack, "Key") });

        Assert.Contains(gate.Errors(StorageRules.EncryptedUnderOwnKey.Id), f => f.Contains("BucketKeyEnabled is not true", StringComparison.Ordinal));
    }

    [Fact]
    public void S33_EnforceSsl_HasNoFinding()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files", new BucketProps { EnforceSSL = true });

        Assert.Empty(gate.Findings(StorageRules.TlsOnly.Id));
    }

    [Fact]
    public void S33_NoTlsDeny_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Bucket(gate.Stack, "Files");

        Gate.AssertFinding(gate.Errors(StorageRules.TlsOnly.Id), StorageRules.TlsOnly, "Gate-dev/Files/Resource");
    }
}
