using System.Text.Json.Nodes;

namespace Loyalty.Infra.PolicyGate;

public static class IamRules
{
    /// <summary>The only actions an Allow may grant on <c>Resource: "*"</c> (they take no resource ARN).</summary>
    public static readonly IReadOnlyList<string> StarResourceActions = ["cloudwatch:PutMetricData", "ec2:Describe*"];

    public static readonly PolicyRule LeastPrivilege = new(
        "LOY-IAM-1", Severity.Error, "IAM", "Least privilege",
        "grant named actions on named resources (Grant* methods); Resource \"*\" only for " + string.Join(", ", StarResourceActions),
        (r, _) => WildcardFaults(r));

    /// <summary>Actions no inline policy may grant on <c>Resource: "*"</c>: each is a way to become someone else or read everything.</summary>
    public static readonly IReadOnlyList<string> NeverOnStarActions = ["iam:PassRole", "sts:AssumeRole", "kms:Decrypt"];

    public static readonly PolicyRule NoHiddenAdmin = new(
        "LOY-IAM-2", Severity.Error, "IAM", "No hidden admin",
        "use roles, not IAM users; grant iam:PassRole, sts:AssumeRole and kms:Decrypt on named ARNs (Grant* methods), never iam:*",
        (r, _) => HiddenAdminFaults(r));

    /// <summary>The AWS managed policies a role may attach (names after <c>arn:aws:iam::aws:policy/</c>).</summary>
    public static readonly IReadOnlyList<string> AllowedManagedPolicies =
    [
        "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy", "EC2InstanceProfileForImageBuilder", "service-role/AWSLambdaBasicExecutionRole",
    ];

    public static readonly PolicyRule ReviewedManagedPolicies = new(
        "LOY-IAM-3", Severity.Error, "IAM", "Reviewed AWS policies only",
        "attach only " + string.Join(", ", AllowedManagedPolicies) + "; grant anything else with named statements",
        (r, _) => r.Type is not ("AWS::IAM::Role" or "AWS::IAM::User" or "AWS::IAM::Group")
            ? []
            : r.Properties.Get("ManagedPolicyArns").Items()
                .Select(arn => (Arn: arn, Name: ManagedPolicyName(arn)))
                .Where(p => p.Name is null || !AllowedManagedPolicies.Contains(p.Name))
                .Select(p => $"ManagedPolicyArns holds {p.Name ?? p.Arn?.ToJsonString()}, which is not on the allow-list"));

    public static readonly PolicyRule NoPublicPrincipal = new(
        "LOY-IAM-4", Severity.Error, "IAM", "No public resource policies",
        "grant to a named principal (Grant* on a role or an account), never to \"*\"",
        (r, _) =>
        {
            var document = r.Type switch
            {
                "AWS::S3::BucketPolicy" or "AWS::SQS::QueuePolicy" or "AWS::SNS::TopicPolicy" => r.Properties.Get("PolicyDocument"),
                "AWS::KMS::Key" => r.Properties.Get("KeyPolicy"),
                "AWS::IAM::Role" => r.Properties.Get("AssumeRolePolicyDocument"),
                _ => null,
            };
            return Iam.Statements(document).Where(s => s.Get("Effect").Text() == "Allow" && Iam.IsPublicPrincipal(s))
                .Select(s => $"statement {s.Get("Sid").Text() ?? "(no Sid)"} allows the principal *");
        });

    public static readonly PolicyRule KeyHygiene = new(
        "LOY-IAM-5", Severity.Error, "IAM", "Key hygiene",
        "set EnableKeyRotation = true and grant to roles through IAM policies (key.Grant*), leaving the key policy to the account root and services",
        (r, _) => r.Type != "AWS::KMS::Key" ? [] : KeyFaults(r));

    /// <summary>Condition keys that tie a service's use of a key to this account's own resources.</summary>
    public static readonly IReadOnlyList<string> ServiceGrantConditionKeys = ["aws:SourceAccount", "aws:SourceArn", "kms:ViaService", "kms:EncryptionContext:"];

    public static readonly PolicyRule ConditionedServiceGrants = new(
        "LOY-IAM-7", Severity.Error, "IAM", "A service uses our keys only for our resources",
        "give every key-policy statement that allows an AWS service a condition on " + string.Join(", ", ServiceGrantConditionKeys)
        + "<key> (e.g. ArnLike kms:EncryptionContext:aws:logs:arn arn:aws:logs:<region>:<account>:log-group:*); key.Grant* to a ServicePrincipal adds none",
        (r, _) => r.Type != "AWS::KMS::Key" ? [] : ServiceGrantFaults(r));

    public static readonly PolicyRule PinnedFederatedTrust = new(
        "LOY-IAM-6", Severity.Error, "IAM", "Only the named workflow may assume a CI role",
        "trust a web identity only with StringEquals on both <issuer>:aud and <issuer>:sub, the subject naming one repository "
        + "and one environment or event (repo:<owner>/<repo>:environment:<stage>), no wildcards",
        (r, _) => r.Type != "AWS::IAM::Role" ? [] : FederatedTrustFaults(r));

    /// <summary>The name after <c>:iam::aws:policy/</c> of an AWS managed policy ARN, literal or as CDK joins it.</summary>
    private static string? ManagedPolicyName(JsonNode? arn)
    {
        const string marker = ":iam::aws:policy/";
        var text = arn.Text()
            ?? (arn.Get("Fn::Join") is JsonArray join && join.Count == 2 && join[1] is JsonArray parts && parts.Count > 0 ? parts[^1].Text() : null);
        var at = text?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : text![(at + marker.Length)..];
    }

    /// <summary>
    /// Each trust statement that lets a web identity in must pin the token's audience and subject exactly: StringLike, a
    /// wildcard or a missing subject lets every repository on GitHub (or every branch and fork) assume the role.
    /// </summary>
    private static IEnumerable<string> FederatedTrustFaults(PolicyResource r)
    {
        var trusts = Iam.Statements(r.Properties.Get("AssumeRolePolicyDocument"))
            .Where(s => s.Get("Effect").Text() == "Allow"
                && (s.At("Principal", "Federated") is not null || Iam.Many(s.Get("Action")).Any(a => a.Text() == "sts:AssumeRoleWithWebIdentity")));
        foreach (var statement in trusts)
        {
            var name = statement.Get("Sid").Text() ?? "(no Sid)";
            var condition = statement.Get("Condition") as JsonObject ?? [];
            foreach (var (op, _) in condition.Where(c => c.Key != "StringEquals"))
            {
                yield return $"trust statement {name} matches the token with {op}, not StringEquals";
            }

            var exact = condition.Get("StringEquals") as JsonObject ?? [];
            foreach (var claim in new[] { "aud", "sub" })
            {
                var values = exact.Where(c => c.Key.EndsWith($":{claim}", StringComparison.Ordinal)).SelectMany(c => Iam.Many(c.Value)).ToList();
                if (values.Count == 0)
                {
                    yield return $"trust statement {name} does not pin the token's {claim}";
                }

                foreach (var value in values.Where(v => v.Text() is not { } text || text.Length == 0 || text.Contains('*') || text.Contains('?')))
                {
                    yield return $"trust statement {name} accepts the {claim} {value?.ToJsonString()}, a wildcard or no literal";
                }
            }
        }
    }

    private static IEnumerable<string> HiddenAdminFaults(PolicyResource r)
    {
        if (r.Type == "AWS::IAM::User")
        {
            yield return "an AWS::IAM::User exists";
        }

        var documents = r.Type switch
        {
            "AWS::IAM::Policy" => [r.Properties.Get("PolicyDocument")],
            "AWS::IAM::Role" or "AWS::IAM::User" or "AWS::IAM::Group" => r.Properties.Get("Policies").Items().Select(p => p.Get("PolicyDocument")).ToList(),
            _ => new List<JsonNode?>(),
        };
        foreach (var statement in documents.SelectMany(Iam.Statements).Where(s => s.Get("Effect").Text() == "Allow"))
        {
            var actions = Iam.Many(statement.Get("Action")).Select(a => a.Text() ?? "").ToList();
            foreach (var action in actions.Where(a => a is "*" or "iam:*"))
            {
                yield return $"an inline policy grants {action}, which includes all of IAM";
            }

            if (Iam.Many(statement.Get("Resource")).Any(res => res.Text() == "*"))
            {
                foreach (var action in actions.Where(NeverOnStarActions.Contains))
                {
                    yield return $"an inline policy grants {action} on Resource *";
                }
            }
        }
    }

    private static IEnumerable<string> WildcardFaults(PolicyResource r)
    {
        var documents = r.Type switch
        {
            "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" or "AWS::S3::BucketPolicy" or "AWS::SQS::QueuePolicy" or "AWS::SNS::TopicPolicy" =>
                [r.Properties.Get("PolicyDocument")],
            "AWS::IAM::Role" => r.Properties.Get("Policies").Items().Select(p => p.Get("PolicyDocument")).ToList(),
            _ => new List<JsonNode?>(),
        };

        // Key policies are not read here: their Resource "*" means the key itself, and the account root's kms:*
        // is the key administration statement every key needs. LOY-IAM-5 governs who a key policy names.
        foreach (var statement in documents.SelectMany(Iam.Statements).Where(s => s.Get("Effect").Text() == "Allow"))
        {
            var actions = Iam.Many(statement.Get("Action")).Select(a => a.Text() ?? "").ToList();
            foreach (var action in actions.Where(a => a == "*" || a.EndsWith(":*", StringComparison.Ordinal)))
            {
                yield return $"an Allow grants the wildcard action {action}";
            }

            if (Iam.Many(statement.Get("Resource")).Any(res => res.Text() == "*"))
            {
                foreach (var action in actions.Where(a => !StarResourceActions.Contains(a)))
                {
                    yield return $"an Allow grants {action} on Resource *";
                }
            }
        }
    }

    private static IEnumerable<string> ServiceGrantFaults(PolicyResource r)
    {
        foreach (var statement in Iam.Statements(r.Properties.Get("KeyPolicy")).Where(s => s.Get("Effect").Text() == "Allow"))
        {
            var services = Iam.Many(statement.At("Principal", "Service")).Select(s => s.Text()).ToList();
            var keys = statement.Get("Condition") is JsonObject operators
                ? operators.Select(o => o.Value).OfType<JsonObject>().SelectMany(o => o.Select(k => k.Key)).ToList()
                : [];
            var bound = keys.Any(key => ServiceGrantConditionKeys.Any(c => c.EndsWith(':')
                ? key.StartsWith(c, StringComparison.OrdinalIgnoreCase)
                : string.Equals(key, c, StringComparison.OrdinalIgnoreCase)));
            if (services.Count > 0 && !bound)
            {
                yield return $"statement {statement.Get("Sid").Text() ?? "(no Sid)"} lets {string.Join(", ", services)} use the key for any account's resources";
            }
        }
    }

    private static IEnumerable<string> KeyFaults(PolicyResource r)
    {
        var spec = r.Properties.Get("KeySpec").Text();
        if (spec is null or "SYMMETRIC_DEFAULT" && !r.Properties.Get("EnableKeyRotation").IsTrue())
        {
            yield return "EnableKeyRotation is not true on a symmetric key";
        }

        foreach (var statement in Iam.Statements(r.Properties.Get("KeyPolicy")))
        {
            var principal = statement.Get("Principal");
            if (principal is not JsonObject named)
            {
                yield return $"statement {statement.Get("Sid").Text() ?? "(no Sid)"} names the principal {principal?.ToJsonString() ?? "(none)"}";
                continue;
            }

            foreach (var (kind, value) in named)
            {
                var others = kind switch
                {
                    "Service" => [],
                    "AWS" => Iam.Many(value).Where(p => !IsAccountRoot(p)).ToList(),
                    _ => Iam.Many(value).ToList(),
                };
                foreach (var other in others)
                {
                    yield return $"the key policy names {kind} principal {other?.ToJsonString()}, not the account root or a service";
                }
            }
        }
    }

    /// <summary><c>arn:aws:iam::123456789012:root</c>, literal or as CDK joins it from the partition and account.</summary>
    private static bool IsAccountRoot(JsonNode? principal) =>
        principal.Text()?.EndsWith(":root", StringComparison.Ordinal) == true
        || (principal.Get("Fn::Join") is JsonArray join && join.Count == 2 && join[1] is JsonArray parts
            && parts.Count > 0 && parts[^1].Text()?.EndsWith(":root", StringComparison.Ordinal) == true);
}
