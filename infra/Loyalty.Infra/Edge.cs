using Amazon.CDK;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using Loyalty.Core;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: domain, WAF rate limit.</param>
/// <param name="LoadBalancer">What the web ACL protects.</param>
/// <param name="LogKey">Encrypts the WAF logs.</param>
public sealed record EdgeProps
{
    public required StageConfig Stage { get; init; }

    public required IApplicationLoadBalancer LoadBalancer { get; init; }

    public required IKey LogKey { get; init; }
}

/// <summary>
/// The API's edge filter: a regional WAFv2 web ACL on the ALB with AWS's managed rule groups (IP reputation,
/// anonymous IPs, core rule set, known bad inputs, SQL injection, Linux), per-client-IP rate limits (a bank's egress
/// ranges get the bank's API allowance and skip the IP lists; every other address gets the stage's limit), metrics on
/// every rule, and WAF logs to a log group under the stage's log key with the Authorization header redacted.
/// </summary>
public sealed class Edge : Construct
{
    /// <summary>WAF only delivers to CloudWatch log groups whose name starts with this.</summary>
    public const string WafLogGroupPrefix = "aws-waf-logs-";

    public const string Scope = "REGIONAL";

    /// <summary>The bearer token of a bank's request must never land in a log.</summary>
    public const string RedactedHeader = "authorization";

    /// <summary>AWS's managed rule groups in evaluation order (cheap IP lists first, then the inspecting groups).</summary>
    public static readonly IReadOnlyList<string> ManagedRuleGroups =
    [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesLinuxRuleSet",
    ];

    /// <summary>The IP-list groups: they judge a caller by its address alone, so a bank's own ranges bypass them.</summary>
    public static readonly IReadOnlyList<string> IpListGroups = ManagedRuleGroups.Take(2).ToList();

    public const string RateLimitRuleName = "RateLimitPerClientIp";

    public const string BankRateLimitRuleName = "RateLimitPerBankIp";

    public Edge(Construct scope, string id, EdgeProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var loadBalancer = props.LoadBalancer;
        var logKey = props.LogKey;
        var prefix = $"loyalty-{stage.Name}";

        // Banks call from cloud NAT gateways, which AnonymousIpList's HostingProviderIPList blocks; their ranges are
        // known, so they pass the IP lists and get their API allowance while every other address keeps the stage's.
        BankEgress = new CfnIPSet(this, "BankEgress", new CfnIPSetProps
        {
            Name = $"{prefix}-bank-egress",
            Description = $"Loyalty {stage.Name} - where the banks call from, the stage file banks egressCidrs",
            Scope = Scope,
            IpAddressVersion = "IPV4",
            Addresses = stage.Banks.SelectMany(b => b.EgressCidrs).Distinct(StringComparer.Ordinal).ToArray(),
        });
        var fromBank = new CfnWebACL.StatementProperty
        {
            IpSetReferenceStatement = new CfnWebACL.IPSetReferenceStatementProperty { Arn = BankEgress.AttrArn },
        };
        var notFromBank = new CfnWebACL.StatementProperty { NotStatement = new CfnWebACL.NotStatementProperty { Statement = fromBank } };

        // Reputation lists are evaluated first, so a known-bad address is dropped before it counts against anyone's rate.
        var rules = new List<CfnWebACL.RuleProperty>
        {
            ManagedRule(IpListGroups[0], 0, prefix, notFromBank),
            ManagedRule(IpListGroups[1], 1, prefix, notFromBank),
            RateRule(RateLimitRuleName, 2, prefix, stage.Edge.WafRateLimitPer5Minutes, notFromBank),
            RateRule(BankRateLimitRuleName, 3, prefix, BankRateLimit.Per5Minutes, fromBank),
        };
        rules.AddRange(ManagedRuleGroups.Skip(IpListGroups.Count).Select((name, i) => ManagedRule(name, rules.Count + i, prefix)));

        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Name = $"{prefix}-api",
            Description = $"Loyalty {stage.Name} - filter of the API load balancer",
            Scope = Scope,
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility($"{prefix}-api"),
            Rules = rules.ToArray(),
        });

        Association = new CfnWebACLAssociation(this, "Association", new CfnWebACLAssociationProps
        {
            ResourceArn = loadBalancer.LoadBalancerArn,
            WebAclArn = WebAcl.AttrArn,
        });

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = $"{WafLogGroupPrefix}{prefix}",
            EncryptionKey = logKey,
            Retention = Network.Retention(stage.Observability.LogRetentionDays),
            RemovalPolicy = StageResources.Removal(stage),
        });

        // WAF refuses the log group's GetAtt Arn, which ends in ":*"; it wants the bare log-group ARN.
        // (WAF adds the CloudWatch Logs resource policy for log delivery itself when the configuration is created.)
        var destination = Stack.Of(this).FormatArn(new ArnComponents
        {
            Service = "logs",
            Resource = "log-group",
            ResourceName = LogGroup.LogGroupName,
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        });
        Logging = new CfnLoggingConfiguration(this, "Logging", new CfnLoggingConfigurationProps
        {
            ResourceArn = WebAcl.AttrArn,
            LogDestinationConfigs = [destination],
            // SingleHeader is untyped JSON in the L1: a typed struct there would be written with camelCase keys.
            RedactedFields = new object[]
            {
                new CfnLoggingConfiguration.FieldToMatchProperty
                {
                    SingleHeader = new Dictionary<string, object> { ["Name"] = RedactedHeader },
                },
            },
        });
    }

    public CfnIPSet BankEgress { get; }

    public CfnWebACL WebAcl { get; }

    public CfnWebACLAssociation Association { get; }

    public LogGroup LogGroup { get; }

    public CfnLoggingConfiguration Logging { get; }

    private static CfnWebACL.RuleProperty ManagedRule(string name, int priority, string prefix, CfnWebACL.StatementProperty? scopeDown = null) => new()
    {
        Name = name,
        Priority = priority,
        // None: the group's own Block actions apply. Count would only watch (never in prod, policy LOY-EDGE-4).
        OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
        Statement = new CfnWebACL.StatementProperty
        {
            ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = name, ScopeDownStatement = scopeDown },
        },
        VisibilityConfig = Visibility($"{prefix}-{name}"),
    };

    private static CfnWebACL.RuleProperty RateRule(string name, int priority, string prefix, int limit, CfnWebACL.StatementProperty scopeDown) => new()
    {
        Name = name,
        Priority = priority,
        Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
        Statement = new CfnWebACL.StatementProperty
        {
            RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = limit, AggregateKeyType = "IP", ScopeDownStatement = scopeDown },
        },
        VisibilityConfig = Visibility($"{prefix}-{name}"),
    };

    private static CfnWebACL.VisibilityConfigProperty Visibility(string metricName) => new()
    {
        CloudWatchMetricsEnabled = true,
        SampledRequestsEnabled = true,
        MetricName = metricName,
    };
}
