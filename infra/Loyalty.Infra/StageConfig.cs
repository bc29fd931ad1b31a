using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loyalty.Infra;

/// <summary>
/// Everything that differs between stages, as <c>stages/&lt;stage&gt;.json</c> holds it. Plain records with
/// no CDK types, so the design does not depend on the engine. <see cref="StageLoader"/> reads and validates it.
/// </summary>
public sealed record StageConfig(
    string Name,
    string Account,
    string Region,
    IReadOnlyList<string> AvailabilityZones,
    NetworkSettings Network,
    BastionSettings Bastion,
    FleetSettings Fleet,
    ScalingSettings Scaling,
    DatabaseSettings Database,
    EdgeSettings Edge,
    IdentitySettings Identity,
    IReadOnlyList<BankSettings> Banks,
    MessagingSettings Messaging,
    ObservabilitySettings Observability,
    IReadOnlyDictionary<string, string> Tags)
{
    public bool IsProduction => Name == "prod";
}

/// <param name="NatGateways">1 in dev; one per AZ in prod, so egress survives an AZ loss.</param>
/// <param name="InterfaceEndpoints">
/// The AWS APIs the hosts call are reached through interface endpoints in each AZ (<see cref="Network.InterfaceEndpointServices"/>),
/// not through the NAT; S3 always has its gateway endpoint.
/// </param>
public sealed record NetworkSettings(string VpcCidr, int NatGateways, int FlowLogRetentionDays, bool InterfaceEndpoints);

/// <param name="SshAllowList">CIDRs allowed to SSH to the bastion; empty means no SSH rule at all (SSM only).</param>
public sealed record BastionSettings(string InstanceType, IReadOnlyList<string> SshAllowList);

/// <param name="InstanceType">The API instances' type; the golden AMI is built on one too.</param>
public sealed record FleetSettings(
    string InstanceType, int MinSize, int DesiredCapacity, int MaxSize, int AppPort,
    int DeregistrationDelaySeconds, int HealthCheckGraceSeconds, int RootVolumeGiB);

/// <summary>The seeds' policy: CPU above 70 % for 4 of 5 one-minute datapoints adds an instance; below 30 % removes one.</summary>
public sealed record ScalingSettings(
    double ScaleOutCpuPercent, double ScaleInCpuPercent, int DatapointsToAlarm, int EvaluationPeriods,
    int PeriodSeconds, int CooldownSeconds);

/// <param name="InstanceClass">An RDS class without the <c>db.</c> prefix, e.g. <c>t4g.micro</c>.</param>
/// <param name="LogRetentionDays">How long CloudWatch keeps the exported error, slow-query and audit logs.</param>
public sealed record DatabaseSettings(
    string InstanceClass, int AllocatedStorageGiB, int MaxAllocatedStorageGiB, bool MultiAz, int BackupRetentionDays,
    bool DeletionProtection, int LogRetentionDays);

/// <param name="CertificateArn">The ACM certificate of <paramref name="DomainName"/> for the HTTPS listener.</param>
/// <param name="WafRateLimitPer5Minutes">
/// Requests one client IP outside the banks' egress ranges may make in a 5-minute window before WAF blocks it (a bank's
/// own addresses get its API allowance, <see cref="Loyalty.Core.BankRateLimit.Per5Minutes"/>).
/// </param>
/// <param name="PublicDocs">The load balancer also forwards the API reference (/docs, /openapi/*); otherwise only /v1/*.</param>
public sealed record EdgeSettings(string DomainName, string CertificateArn, bool AlbDeletionProtection, int WafRateLimitPer5Minutes, bool PublicDocs);

/// <param name="DomainPrefix">The Cognito hosted domain prefix whose /oauth2/token endpoint issues the banks' tokens.</param>
/// <param name="AccessTokenMinutes">Lifetime of a client-credentials access token (policy LOY-ID-4: at most 60).</param>
public sealed record IdentitySettings(string DomainPrefix, int AccessTokenMinutes);

/// <summary>
/// A bank of this stage: its code (DOMAIN.md §8), the AWS principal that reads its notification queue, the API
/// scopes its client-credentials app client gets (without the resource-server prefix, e.g. "accruals.write"), and
/// the public IPv4 ranges its calls come from (its NAT or proxy egress), which the edge lets through its IP-list rules
/// and limits at the bank's own allowance.
/// </summary>
public sealed record BankSettings(string Code, string QueueReaderArn, IReadOnlyList<string> Scopes, IReadOnlyList<string> EgressCidrs);

/// <summary>The partner-files bucket's lifecycle: to infrequent access, then expiry, and how long overwritten versions stay.</summary>
public sealed record MessagingSettings(int InfrequentAccessAfterDays, int ExpireAfterDays, int NoncurrentVersionDays);

/// <param name="AlarmEmail">Who the ops SNS topic e-mails.</param>
/// <param name="GuardDuty">Create a GuardDuty detector (an account holds only one: off where another stack owns it).</param>
public sealed record ObservabilitySettings(
    string AlarmEmail, double Alb5xxPercent, double P99LatencySeconds, double RdsCpuPercent, int RdsFreeStorageGiB,
    int LogRetentionDays, bool GuardDuty);

/// <summary>A stage file that cannot be used; the message names the file and the field.</summary>
public sealed class StageConfigException(string message) : Exception(message);

public static class StageLoader
{
    /// <summary>With <c>stage</c>, added by the stack, the tags every resource carries (policy LOY-TAG-1).</summary>
    public static readonly IReadOnlyList<string> RequiredTags = ["service", "owner", "cost-centre"];

    /// <summary>The API's scopes (without the resource-server prefix) a bank client may be given.</summary>
    public static readonly IReadOnlyList<string> BankScopes = Loyalty.Core.Scopes.Names;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A misspelt field must fail, not silently fall back: names match exactly.
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The stages there are, each with its file <c>stages/{name}.json</c>.</summary>
    public static readonly IReadOnlyList<string> Names = ["dev", "prod"];

    /// <summary>Every stage that lives in the same AWS account as <paramref name="stage"/> (itself included): what its ci stack serves.</summary>
    public static List<StageConfig> LoadAccount(string root, StageConfig stage) =>
        [.. Names.Select(name => name == stage.Name ? stage : Load(root, name)).Where(s => s.Account == stage.Account)];

    /// <summary>Reads <c>stages/{stage}.json</c> under <paramref name="root"/> and validates it.</summary>
    public static StageConfig Load(string root, string stage)
    {
        if (!Names.Contains(stage))
        {
            throw new StageConfigException($"Unknown stage '{stage}': use {string.Join(" or ", Names.Select(n => $"-c stage={n}"))}.");
        }

        var file = Path.Combine("stages", $"{stage}.json");
        var path = Path.Combine(root, file);
        if (!File.Exists(path))
        {
            throw new StageConfigException($"{file}: not found under {root}.");
        }

        return Parse(File.ReadAllText(path), file, stage);
    }

    public static StageConfig Parse(string json, string file, string stage)
    {
        var config = Deserialize<StageConfig>(json, file);
        var errors = Validate(config, stage).ToList();
        return errors.Count == 0 ? config : throw new StageConfigException($"{file}: {string.Join("; ", errors)}");
    }

    /// <summary>A settings file's JSON, strictly: exact names, no unknown or missing fields; errors name the file and field.</summary>
    public static T Deserialize<T>(string json, string file)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new StageConfigException($"{file}: empty.");
        }
        catch (JsonException e)
        {
            throw new StageConfigException($"{file}: {(e.Path is { } at ? $"field {at.TrimStart('$', '.')}: " : "")}{e.Message}");
        }
    }

    private static IEnumerable<string> Validate(StageConfig c, string stage)
    {
        if (c.Name != stage)
        {
            yield return $"name: '{c.Name}' but the file is the {stage} stage";
        }

        if (c.Account.Length != 12 || !c.Account.All(char.IsAsciiDigit))
        {
            yield return $"account: '{c.Account}' is not a 12-digit AWS account id";
        }

        if (c.AvailabilityZones.Count != 3 || c.AvailabilityZones.Distinct(StringComparer.Ordinal).Count() != 3)
        {
            yield return "availabilityZones: exactly three different zones are required";
        }

        foreach (var zone in c.AvailabilityZones.Where(z => !IsZoneOf(z, c.Region)))
        {
            yield return $"availabilityZones: '{zone}' is not a zone of region {c.Region}";
        }

        if (!TryParseCidr(c.Network.VpcCidr, out var prefix) || prefix is < 16 or > 24)
        {
            yield return $"network.vpcCidr: '{c.Network.VpcCidr}' is not an IPv4 CIDR with a prefix of /16 to /24";
        }

        if (c.Network.NatGateways is < 1 or > 3)
        {
            yield return $"network.natGateways: {c.Network.NatGateways} is outside 1-3";
        }

        foreach (var cidr in c.Bastion.SshAllowList.Where(cidr => !TryParseCidr(cidr, out _)))
        {
            yield return $"bastion.sshAllowList: '{cidr}' is not an IPv4 CIDR";
        }

        foreach (var cidr in c.Bastion.SshAllowList.Where(cidr => cidr.EndsWith("/0", StringComparison.Ordinal)))
        {
            yield return $"bastion.sshAllowList: '{cidr}' opens SSH to the whole internet";
        }

        var fleet = c.Fleet;
        if (fleet.MinSize < 1 || fleet.MinSize > fleet.MaxSize)
        {
            yield return $"fleet.minSize: {fleet.MinSize} must be at least 1 and not above fleet.maxSize ({fleet.MaxSize})";
        }

        if (fleet.DesiredCapacity < fleet.MinSize || fleet.DesiredCapacity > fleet.MaxSize)
        {
            yield return $"fleet.desiredCapacity: {fleet.DesiredCapacity} is outside fleet.minSize-fleet.maxSize ({fleet.MinSize}-{fleet.MaxSize})";
        }
        else if (fleet.DesiredCapacity == fleet.MaxSize)
        {
            // A rolling update keeps the desired count in service and adds the replacement beside it.
            yield return $"fleet.desiredCapacity: {fleet.DesiredCapacity} must be below fleet.maxSize ({fleet.MaxSize}) so a rolling update has room for a replacement";
        }

        if (fleet.AppPort is < 1024 or > 65535)
        {
            yield return $"fleet.appPort: {fleet.AppPort} is outside 1024-65535";
        }

        var scaling = c.Scaling;
        foreach (var (field, value) in new[] { ("scaleOutCpuPercent", scaling.ScaleOutCpuPercent), ("scaleInCpuPercent", scaling.ScaleInCpuPercent) })
        {
            if (value is < 0 or > 100)
            {
                yield return $"scaling.{field}: {value} is outside 0-100";
            }
        }

        if (scaling.ScaleInCpuPercent >= scaling.ScaleOutCpuPercent)
        {
            yield return $"scaling.scaleInCpuPercent: {scaling.ScaleInCpuPercent} must be below scaling.scaleOutCpuPercent ({scaling.ScaleOutCpuPercent})";
        }

        if (scaling.DatapointsToAlarm < 1 || scaling.DatapointsToAlarm > scaling.EvaluationPeriods)
        {
            yield return $"scaling.datapointsToAlarm: {scaling.DatapointsToAlarm} must be 1 to scaling.evaluationPeriods ({scaling.EvaluationPeriods})";
        }

        if (scaling.PeriodSeconds is not (10 or 30) && scaling.PeriodSeconds % 60 != 0)
        {
            yield return $"scaling.periodSeconds: {scaling.PeriodSeconds} is not 10, 30 or a multiple of 60 (CloudWatch periods)";
        }

        if (scaling.CooldownSeconds < 0)
        {
            yield return $"scaling.cooldownSeconds: {scaling.CooldownSeconds} is negative";
        }

        var db = c.Database;
        if (db.AllocatedStorageGiB < 20 || db.MaxAllocatedStorageGiB < db.AllocatedStorageGiB)
        {
            yield return $"database.allocatedStorageGiB: {db.AllocatedStorageGiB} must be at least 20 and not above database.maxAllocatedStorageGiB ({db.MaxAllocatedStorageGiB})";
        }

        if (db.BackupRetentionDays is < 1 or > 35)
        {
            yield return $"database.backupRetentionDays: {db.BackupRetentionDays} is outside 1-35";
        }

        var classParts = db.InstanceClass.Split('.');
        if (classParts.Length != 2 || classParts[0] == "db"
            || classParts.Any(part => part.Length == 0 || !part.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-')))
        {
            yield return $"database.instanceClass: '{db.InstanceClass}' is not an RDS class such as t4g.micro (without the db. prefix)";
        }

        if (db.LogRetentionDays is < 1 or > 3653)
        {
            yield return $"database.logRetentionDays: {db.LogRetentionDays} is outside 1-3653";
        }

        if (!c.Edge.CertificateArn.StartsWith("arn:aws:acm:" + c.Region + ":", StringComparison.Ordinal))
        {
            yield return $"edge.certificateArn: '{c.Edge.CertificateArn}' is not an ACM certificate in {c.Region}";
        }

        if (c.Edge.WafRateLimitPer5Minutes is < 100 or > 2_000_000_000)
        {
            yield return $"edge.wafRateLimitPer5Minutes: {c.Edge.WafRateLimitPer5Minutes} is outside 100-2000000000 (the WAF limits)";
        }

        if (c.Identity.AccessTokenMinutes is < 5 or > 60)
        {
            yield return $"identity.accessTokenMinutes: {c.Identity.AccessTokenMinutes} is outside 5-60";
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(c.Identity.DomainPrefix, "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"))
        {
            yield return $"identity.domainPrefix: '{c.Identity.DomainPrefix}' is not a Cognito domain prefix (lowercase letters, digits, hyphens)";
        }

        if (c.Banks.Count == 0)
        {
            yield return "banks: at least one bank is required";
        }

        foreach (var bank in c.Banks)
        {
            if (bank.Code.Length != 4 || !bank.Code.All(char.IsAsciiLetterUpper))
            {
                yield return $"banks: code '{bank.Code}' is not a 4-letter bank code";
            }

            if (!bank.QueueReaderArn.StartsWith("arn:aws:iam::", StringComparison.Ordinal))
            {
                yield return $"banks[{bank.Code}].queueReaderArn: '{bank.QueueReaderArn}' is not an IAM principal ARN";
            }

            foreach (var scope in bank.Scopes.Where(s => !BankScopes.Contains(s)))
            {
                yield return $"banks[{bank.Code}].scopes: '{scope}' is not one of {string.Join(", ", BankScopes)}";
            }

            if (bank.EgressCidrs.Count == 0)
            {
                yield return $"banks[{bank.Code}].egressCidrs: at least one range is required (the addresses the bank calls from)";
            }

            foreach (var cidr in bank.EgressCidrs.Where(cidr => !TryParseCidr(cidr, out var bits) || bits < 16))
            {
                yield return $"banks[{bank.Code}].egressCidrs: '{cidr}' is not an IPv4 CIDR of /16 or narrower";
            }
        }

        foreach (var code in c.Banks.GroupBy(b => b.Code, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            yield return $"banks: '{code}' is listed twice";
        }

        var messaging = c.Messaging;
        if (messaging.InfrequentAccessAfterDays < 30 || messaging.ExpireAfterDays <= messaging.InfrequentAccessAfterDays)
        {
            yield return $"messaging.expireAfterDays: {messaging.ExpireAfterDays} must be after messaging.infrequentAccessAfterDays ({messaging.InfrequentAccessAfterDays}, at least 30)";
        }

        if (messaging.NoncurrentVersionDays < 1)
        {
            yield return $"messaging.noncurrentVersionDays: {messaging.NoncurrentVersionDays} must be at least 1";
        }

        var observability = c.Observability;
        if (!observability.AlarmEmail.Contains('@', StringComparison.Ordinal))
        {
            yield return $"observability.alarmEmail: '{observability.AlarmEmail}' is not an e-mail address";
        }

        foreach (var (field, value) in new[] { ("alb5xxPercent", observability.Alb5xxPercent), ("rdsCpuPercent", observability.RdsCpuPercent) })
        {
            if (value is < 0 or > 100)
            {
                yield return $"observability.{field}: {value} is outside 0-100";
            }
        }

        if (observability.LogRetentionDays < (c.IsProduction ? 365 : 30))
        {
            yield return $"observability.logRetentionDays: {observability.LogRetentionDays} is below {(c.IsProduction ? 365 : 30)} days for the {c.Name} stage";
        }

        foreach (var tag in RequiredTags.Where(t => !c.Tags.ContainsKey(t)))
        {
            yield return $"tags: '{tag}' is required";
        }
    }

    private static bool IsZoneOf(string zone, string region) =>
        zone.Length == region.Length + 1 && zone.StartsWith(region, StringComparison.Ordinal) && char.IsAsciiLetterLower(zone[^1]);

    private static bool TryParseCidr(string value, out int prefix)
    {
        prefix = -1;
        // Canonical form only: 10.20.0.1/16 has host bits set and is a typo for 10.20.0.0/16 or a /32.
        return IPNetwork.TryParse(value, out var network)
            && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && network.ToString() == value
            && (prefix = network.PrefixLength) >= 0;
    }
}
