namespace Loyalty.Infra.PolicyGate;

/// <summary>Every implemented rule, in the order of infra/POLICY.md's table.</summary>
public static class PolicyRules
{
    public static readonly IReadOnlyList<PolicyRule> All =
    [
        NetworkRules.FlowLogs,
        NetworkRules.NoOpenIngress,
        NetworkRules.SshRestricted,
        ComputeRules.Imdsv2,
        ComputeRules.EncryptedDisks,
        ComputeRules.GoldenAmiPrivateHosts,
        DatabaseRules.NeverReachable,
        DatabaseRules.EncryptedWithOwnKey,
        DatabaseRules.SecureTransport,
        DatabaseRules.Backups,
        DatabaseRules.ProdResilience,
        StorageRules.NeverPublic,
        StorageRules.EncryptedUnderOwnKey,
        StorageRules.TlsOnly,
        StorageRules.Versioned,
        StorageRules.AccessLogged,
        MessagingRules.EncryptedAndTlsOnly,
        MessagingRules.DeadLettered,
        IamRules.LeastPrivilege,
        IamRules.NoHiddenAdmin,
        IamRules.ReviewedManagedPolicies,
        IamRules.NoPublicPrincipal,
        IamRules.KeyHygiene,
        ObservabilityRules.EncryptedRetainedLogs,
        ObservabilityRules.AlarmsAct,
        ResilienceRules.SelfHealingFleet,
        ResilienceRules.CpuScaling,
        TaggingRules.Required,
    ];
}
