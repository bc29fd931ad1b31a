namespace Loyalty.Infra.PolicyGate;

/// <summary>One rule switched off for one exact construct path of one stage, with the reason why.</summary>
public sealed record PolicySuppression(string Stage, string RuleId, string Path, string Reason)
{
    public const int MinReasonLength = 20;
}

/// <summary>Every recorded exception to the policy gate. The README's table is generated from this list.</summary>
public static class PolicySuppressions
{
    private const string AlbLogBucketReason =
        "The ALB access-log bucket is the log destination itself: logging it would need a further log bucket, without end.";

    private const string PartnerFilesLogBucketReason =
        "The server-access-log bucket of the partner-files bucket is the log destination itself: logging it would need a further log bucket, without end.";

    private const string BankReadersOnKeyReason =
        "Each bank's queue reader is a role in the bank's own account: cross-account use of our key needs the key policy to "
        + "name it, and each grant is limited to kms:Decrypt via SQS for that bank's two queues (kms:EncryptionContext).";

    private const string BastionSessionManagerReason =
        "BastionHostLinux's built-in Session Manager grant: ssmmessages:*, ec2messages:* and ssm:UpdateInstanceInformation "
        + "accept no resource ARN (the same statements AmazonSSMManagedInstanceCore holds); SSM is how operators reach the bastion.";

    public static readonly IReadOnlyList<PolicySuppression> All =
    [
        .. Stages.SelectMany(stage => new PolicySuppression[]
        {
            new(stage, StorageRules.AccessLogged.Id, $"Loyalty-{stage}/ApiFleet/AccessLogs/Resource", AlbLogBucketReason),
            new(stage, StorageRules.AccessLogged.Id, $"Loyalty-{stage}/Messaging/AccessLogs/Resource", PartnerFilesLogBucketReason),
            new(stage, IamRules.LeastPrivilege.Id, $"Loyalty-{stage}/Bastion/Host/Resource/InstanceRole/DefaultPolicy/Resource", BastionSessionManagerReason),
            new(stage, IamRules.KeyHygiene.Id, $"Loyalty-{stage}/Messaging/Key/Resource", BankReadersOnKeyReason),
        }),
    ];

    private static IEnumerable<string> Stages => ["dev", "prod"];
}
