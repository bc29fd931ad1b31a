using System.Text.Json.Nodes;

namespace Loyalty.Infra.PolicyGate;

public static class DatabaseRules
{
    public const int ProdMinBackupDays = 7;
    public const int DevMinBackupDays = 1;

    public static readonly PolicyRule NeverReachable = new(
        "LOY-DB-1", Severity.Error, "Database", "Ledger never reachable from outside",
        "set PubliclyAccessible = false, VpcSubnets to the isolated-db subnets and SecurityGroups whose ingress comes only from the app/bastion security groups",
        (r, ctx) => r.Type != "AWS::RDS::DBInstance" ? [] : ReachabilityFaults(r, ctx));

    public static readonly PolicyRule EncryptedWithOwnKey = new(
        "LOY-DB-2", Severity.Error, "Database", "Our key for customer data",
        "set StorageEncrypted and StorageEncryptionKey to a KMS key of this stack",
        (r, ctx) => r.Type != "AWS::RDS::DBInstance" ? [] : EncryptionFaults(r, ctx));

    public static readonly PolicyRule SecureTransport = new(
        "LOY-DB-3", Severity.Error, "Database", "No clear-text SQL in the VPC",
        "give the instance a ParameterGroup with require_secure_transport = ON",
        (r, ctx) =>
        {
            if (r.Type != "AWS::RDS::DBInstance")
            {
                return [];
            }

            var group = ctx.Target(r.Properties.Get("DBParameterGroupName"));
            var value = group?.Type == "AWS::RDS::DBParameterGroup" ? group.Properties.At("Parameters", "require_secure_transport").Text() : null;
            return value is "ON" or "1" ? [] : ["the DB parameter group does not set require_secure_transport to ON"];
        });

    private static readonly string[] ReservedUsernames = ["admin", "root"];

    public static readonly PolicyRule GeneratedCredentials = new(
        "LOY-DB-4", Severity.Error, "Database", "No password in template or repo",
        "use Credentials.FromGeneratedSecret(<a user that is not admin or root>, new CredentialsBaseOptions { EncryptionKey = <a key of this stack> })",
        (r, ctx) => r.Type switch
        {
            "AWS::RDS::DBInstance" => CredentialFaults(r, ctx),
            "AWS::SecretsManager::Secret" => SecretFaults(r, ctx),
            _ => [],
        });

    private static IEnumerable<string> CredentialFaults(PolicyResource r, PolicyContext ctx)
    {
        var password = r.Properties.Get("MasterUserPassword");
        if (password is not null && !IsSecretsManagerReference(password))
        {
            yield return "MasterUserPassword is neither absent (ManageMasterUserPassword) nor a {{resolve:secretsmanager:...}} reference";
        }

        // A user name resolved from the secret is the one its template generates with.
        var username = r.Properties.Get("MasterUsername");
        var secret = IsSecretsManagerReference(username) ? ctx.Target(FirstReference(username)) : null;
        var template = secret?.Properties.At("GenerateSecretString", "SecretStringTemplate").Text();
        var name = secret is null ? username.Text()
            : template is null ? null : JsonNode.Parse(template).Get("username").Text();
        if (name is not null && ReservedUsernames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            yield return $"MasterUsername is {name}";
        }
    }

    private static IEnumerable<string> SecretFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Properties.Get("SecretString") is not null)
        {
            yield return "SecretString is set: the secret is in the template";
        }

        if (r.Properties.Get("GenerateSecretString") is null)
        {
            yield return "GenerateSecretString is not set";
        }

        if (ctx.Target(r.Properties.Get("KmsKeyId"))?.Type != "AWS::KMS::Key")
        {
            yield return "KmsKeyId does not point at an AWS::KMS::Key of this stack";
        }
    }

    private static bool IsSecretsManagerReference(JsonNode? value) =>
        value?.ToJsonString().Contains("{{resolve:secretsmanager:", StringComparison.Ordinal) == true;

    /// <summary>The first Ref or GetAtt inside an expression such as a Fn::Join.</summary>
    private static JsonNode? FirstReference(JsonNode? node) => node switch
    {
        JsonObject o when Cfn.ReferencedId(o) is not null => o,
        JsonObject o => o.Select(p => FirstReference(p.Value)).FirstOrDefault(f => f is not null),
        JsonArray a => a.Select(FirstReference).FirstOrDefault(f => f is not null),
        _ => null,
    };

    public static readonly PolicyRule Backups = new(
        "LOY-DB-5", Severity.Error, "Database", "Point-in-time restore for money movements",
        $"set BackupRetention to at least {ProdMinBackupDays} days in prod and {DevMinBackupDays} in dev",
        (r, ctx) =>
        {
            if (r.Type != "AWS::RDS::DBInstance")
            {
                return [];
            }

            var min = ctx.IsProduction ? ProdMinBackupDays : DevMinBackupDays;
            var days = r.Properties.Get("BackupRetentionPeriod").Number();
            return days >= min ? [] : [$"BackupRetentionPeriod is {days?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"}, below {min} days for {ctx.Stage}"];
        });

    private static readonly string[] RequiredLogExports = ["error", "slowquery", "audit"];

    public static readonly PolicyRule ProdResilience = new(
        "LOY-DB-6", Severity.Warning, "Database", "Survive an AZ loss and a fat finger",
        "in prod set MultiAz, DeletionProtection, RemovalPolicy.SNAPSHOT, CloudwatchLogsExports error/slowquery/audit, "
        + "EnablePerformanceInsights, and rotate the attached secret (AddRotationSchedule with a HostedRotation)",
        (r, ctx) => ctx.IsProduction ? ResilienceFaults(r, ctx) : []);

    private static IEnumerable<string> ResilienceFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Type == "AWS::RDS::DBInstance")
        {
            var p = r.Properties;
            if (!p.Get("MultiAZ").IsTrue())
            {
                yield return "MultiAZ is not true";
            }

            if (!p.Get("DeletionProtection").IsTrue())
            {
                yield return "DeletionProtection is not true";
            }

            if (r.Options?.DeletionPolicy != Amazon.CDK.CfnDeletionPolicy.SNAPSHOT || r.Options.UpdateReplacePolicy != Amazon.CDK.CfnDeletionPolicy.SNAPSHOT)
            {
                yield return "DeletionPolicy/UpdateReplacePolicy is not Snapshot";
            }

            var exports = p.Get("EnableCloudwatchLogsExports").Items().Select(e => e.Text()).ToHashSet();
            foreach (var missing in RequiredLogExports.Where(e => !exports.Contains(e)))
            {
                yield return $"EnableCloudwatchLogsExports lacks {missing}";
            }

            if (!p.Get("EnablePerformanceInsights").IsTrue())
            {
                yield return "EnablePerformanceInsights is not true";
            }
        }

        // Rotation is judged on the secret itself, so a recorded exception for it leaves the instance's checks on. A
        // schedule may name the secret or its attachment (a Ref to an attachment is the secret's ARN).
        if (r.Type != "AWS::SecretsManager::Secret")
        {
            yield break;
        }

        var attachments = ctx.OfType("AWS::SecretsManager::SecretTargetAttachment")
            .Where(a => Cfn.ReferencedId(a.Properties.Get("SecretId")) == r.LogicalId)
            .ToList();
        if (attachments.Any(a => ctx.Target(a.Properties.Get("TargetId"))?.Type == "AWS::RDS::DBInstance"))
        {
            var names = attachments.Select(a => a.LogicalId).Append(r.LogicalId).ToHashSet(StringComparer.Ordinal);
            if (!ctx.OfType("AWS::SecretsManager::RotationSchedule").Any(s => Cfn.ReferencedId(s.Properties.Get("SecretId")) is { } id && names.Contains(id)))
            {
                yield return "the database secret has no AWS::SecretsManager::RotationSchedule";
            }
        }
    }

    private static IEnumerable<string> EncryptionFaults(PolicyResource r, PolicyContext ctx)
    {
        if (!r.Properties.Get("StorageEncrypted").IsTrue())
        {
            yield return "StorageEncrypted is not true";
        }

        if (ctx.Target(r.Properties.Get("KmsKeyId"))?.Type != "AWS::KMS::Key")
        {
            yield return "KmsKeyId does not point at an AWS::KMS::Key of this stack";
        }
    }

    private static IEnumerable<string> ReachabilityFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Properties.Get("PubliclyAccessible") is not { } publicly || publicly.IsTrue() || publicly.Text() is not (null or "false"))
        {
            yield return "PubliclyAccessible is not false";
        }

        var group = ctx.Target(r.Properties.Get("DBSubnetGroupName"));
        if (group?.Type != "AWS::RDS::DBSubnetGroup")
        {
            yield return "DBSubnetGroupName does not point at an AWS::RDS::DBSubnetGroup of this stack";
        }
        else
        {
            foreach (var subnet in group.Properties.Get("SubnetIds").Items())
            {
                var subnetId = Cfn.ReferencedId(subnet);
                if (subnetId is null || ctx.Target(subnet)?.Type != "AWS::EC2::Subnet")
                {
                    yield return $"subnet {subnet?.ToJsonString()} of the DB subnet group is not a subnet of this stack";
                    continue;
                }

                if (ctx.RoutesOf(subnetId).Any(route =>
                    route.Properties.Get("DestinationCidrBlock").Text() == "0.0.0.0/0" || route.Properties.Get("DestinationIpv6CidrBlock").Text() == "::/0"))
                {
                    yield return $"subnet {subnetId} of the DB subnet group has a default route (it is not isolated)";
                }
            }
        }

        var groups = r.Properties.Get("VPCSecurityGroups").Items().ToList();
        if (groups.Count == 0)
        {
            yield return "VPCSecurityGroups is empty (the VPC's default security group applies)";
        }

        foreach (var sg in groups)
        {
            var target = ctx.Target(sg);
            if (target?.Type != "AWS::EC2::SecurityGroup")
            {
                yield return $"security group {sg?.ToJsonString()} is not a security group of this stack";
                continue;
            }

            var ingress = target.Properties.Get("SecurityGroupIngress").Items()
                .Concat(ctx.OfType("AWS::EC2::SecurityGroupIngress").Where(i => Cfn.ReferencedId(i.Properties.Get("GroupId")) == target.LogicalId).Select(i => (JsonNode?)i.Properties));
            foreach (var rule in ingress)
            {
                if (rule.Get("CidrIp") is not null || rule.Get("CidrIpv6") is not null || rule.Get("SourceSecurityGroupId") is null)
                {
                    yield return $"security group {target.LogicalId} admits {rule.Get("CidrIp").Text() ?? rule.Get("CidrIpv6").Text() ?? rule.Get("SourcePrefixListId").Text() ?? "a source"} that is not a security group";
                }
            }
        }
    }
}
