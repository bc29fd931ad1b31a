namespace Loyalty.Infra.PolicyGate;

public static class StorageRules
{
    private static readonly string[] PublicAccessFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

    public static readonly PolicyRule NeverPublic = new(
        "LOY-S3-1", Severity.Error, "Storage", "Partner files are never public",
        "set BlockPublicAccess = BlockPublicAccess.BLOCK_ALL and ObjectOwnership = BUCKET_OWNER_ENFORCED; no AccessControl",
        (r, _) => r.Type != "AWS::S3::Bucket" ? [] : PublicFaults(r));

    public static readonly PolicyRule Versioned = new(
        "LOY-S3-4", Severity.Error, "Storage", "Recover overwritten batch files",
        "set Versioned = true and a LifecycleRule with NoncurrentVersionExpiration",
        (r, _) => r.Type != "AWS::S3::Bucket" ? [] : VersioningFaults(r));

    public static readonly PolicyRule AccessLogged = new(
        "LOY-S3-5", Severity.Warning, "Storage", "Audit of who fetched partner files",
        "set ServerAccessLogsBucket to the stage's access-log bucket (a log bucket itself: record a suppression)",
        (r, _) => r.Type != "AWS::S3::Bucket" || r.Properties.At("LoggingConfiguration", "DestinationBucketName") is not null
            ? []
            : ["LoggingConfiguration.DestinationBucketName is not set"]);

    public static readonly PolicyRule EncryptedUnderOwnKey = new(
        "LOY-S3-2", Severity.Error, "Storage", "Encryption under our key",
        "set Encryption = BucketEncryption.KMS with EncryptionKey (a key of this stack) and BucketKeyEnabled = true; S3_MANAGED only for log buckets",
        (r, ctx) => r.Type != "AWS::S3::Bucket" ? [] : EncryptionFaults(r, ctx));

    public static readonly PolicyRule TlsOnly = new(
        "LOY-S3-3", Severity.Error, "Storage", "TLS-only access",
        "set EnforceSSL = true (a bucket policy denying s3:* on the bucket and its objects when aws:SecureTransport is false)",
        (r, ctx) => r.Type != "AWS::S3::Bucket" || ctx.OfType("AWS::S3::BucketPolicy").Any(p =>
            Cfn.ReferencedId(p.Properties.Get("Bucket")) == r.LogicalId && Iam.DeniesInsecureTransport(p.Properties.Get("PolicyDocument"), "s3:*", objects: true))
            ? []
            : ["no bucket policy denies s3:* on the bucket and /* when aws:SecureTransport is false"]);

    /// <summary>A bucket another bucket or an ALB writes its access logs to.</summary>
    public static bool IsLogBucket(PolicyResource bucket, PolicyContext ctx) =>
        ctx.OfType("AWS::S3::Bucket").Any(b => Cfn.ReferencedId(b.Properties.At("LoggingConfiguration", "DestinationBucketName")) == bucket.LogicalId)
        || ctx.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer").SelectMany(a => a.Properties.Get("LoadBalancerAttributes").Items())
            .Any(a => a.Get("Key").Text() == "access_logs.s3.bucket" && Cfn.ReferencedId(a.Get("Value")) == bucket.LogicalId);

    private static IEnumerable<string> EncryptionFaults(PolicyResource r, PolicyContext ctx)
    {
        var rules = r.Properties.At("BucketEncryption", "ServerSideEncryptionConfiguration").Items().ToList();
        if (rules.Count == 0)
        {
            yield return "BucketEncryption is not set";
            yield break;
        }

        foreach (var rule in rules)
        {
            var sse = rule.Get("ServerSideEncryptionByDefault");
            var algorithm = sse.Get("SSEAlgorithm").Text();
            if (algorithm == "AES256" && IsLogBucket(r, ctx))
            {
                continue;
            }

            if (algorithm != "aws:kms")
            {
                yield return $"SSEAlgorithm is {algorithm ?? "unset"} on a bucket that is not a log bucket";
            }
            else if (ctx.Target(sse.Get("KMSMasterKeyID"))?.Type != "AWS::KMS::Key")
            {
                yield return "KMSMasterKeyID does not point at an AWS::KMS::Key of this stack";
            }

            if (algorithm == "aws:kms" && !rule.Get("BucketKeyEnabled").IsTrue())
            {
                yield return "BucketKeyEnabled is not true";
            }
        }
    }

    private static IEnumerable<string> VersioningFaults(PolicyResource r)
    {
        if (r.Properties.At("VersioningConfiguration", "Status").Text() != "Enabled")
        {
            yield return "VersioningConfiguration.Status is not Enabled";
        }

        if (!r.Properties.At("LifecycleConfiguration", "Rules").Items().Any(rule =>
            rule.Get("NoncurrentVersionExpiration") is not null || rule.Get("NoncurrentVersionExpirationInDays") is not null))
        {
            yield return "no lifecycle rule has NoncurrentVersionExpiration";
        }
    }

    private static IEnumerable<string> PublicFaults(PolicyResource r)
    {
        var block = r.Properties.Get("PublicAccessBlockConfiguration");
        foreach (var flag in PublicAccessFlags.Where(f => !block.Get(f).IsTrue()))
        {
            yield return $"PublicAccessBlockConfiguration.{flag} is not true";
        }

        if (!r.Properties.At("OwnershipControls", "Rules").Items().Any(rule => rule.Get("ObjectOwnership").Text() == "BucketOwnerEnforced"))
        {
            yield return "OwnershipControls is not BucketOwnerEnforced";
        }

        if (r.Properties.Get("AccessControl") is not null)
        {
            yield return "AccessControl (an ACL) is set";
        }
    }
}
