using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.WAFv2;
using Loyalty.Core;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-EDGE-1..8 on raw load balancer, listener and WAF resources, so each property is the one under test.</summary>
[Collection(StagesSuite.Name)]
public sealed class EdgePolicyTests
{
    private const string Certificate = "arn:aws:acm:eu-west-2:111111111111:certificate/0f5f2a9e-1c57-4c1b-9d2e-6a1f0d3b7c11";
    private const string ModernPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void CompliantEdge_HasNoEdgeFinding(string stage)
    {
        var gate = new Gate(stage);
        var alb = LoadBalancer(gate, Attributes(deletionProtection: true));
        _ = Https(gate, alb, ModernPolicy);
        HttpRedirect(gate, alb);
        var acl = WebAcl(gate, alb, EdgeRules.RequiredRuleGroups, countOnly: null);
        Logging(gate, acl);

        Assert.All(
            new[] { EdgeRules.NoRequestSmuggling, EdgeRules.ModernTls, EdgeRules.HttpOnlyRedirects, EdgeRules.WebAclInFront, EdgeRules.EdgeLogging, EdgeRules.ProdDeletionProtection },
            rule => Assert.Empty(gate.Findings(rule.Id)));
    }

    [Fact]
    public void Edge1_HeadersKeptAndDesyncOnlyMonitored_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = LoadBalancer(gate, [Attribute("routing.http.drop_invalid_header_fields.enabled", "false"), Attribute("routing.http.desync_mitigation_mode", "monitor")]);

        var findings = gate.Errors(EdgeRules.NoRequestSmuggling.Id);

        Gate.AssertFinding(findings, EdgeRules.NoRequestSmuggling, "Gate-dev/Alb");
        Assert.Contains(findings, f => f.Contains("drop_invalid_header_fields.enabled is not true", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("desync_mitigation_mode is monitor", StringComparison.Ordinal));
    }

    [Fact]
    public void Edge2_NoHttpsListener_FailsOnTheLoadBalancer()
    {
        var gate = new Gate();
        var alb = LoadBalancer(gate, Attributes());
        HttpRedirect(gate, alb);

        Gate.AssertFinding(gate.Errors(EdgeRules.ModernTls.Id), EdgeRules.ModernTls, "Gate-dev/Alb");
    }

    [Fact]
    public void Edge2_HttpsListenerWithAnOldPolicyAndNoCertificate_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var alb = LoadBalancer(gate, Attributes());
        _ = new CfnListener(gate.Stack, "Https", new CfnListenerProps
        {
            LoadBalancerArn = alb.Ref,
            Port = 443,
            Protocol = "HTTPS",
            SslPolicy = "ELBSecurityPolicy-2016-08",
            DefaultActions = new object[] { new CfnListener.ActionProperty { Type = "fixed-response", FixedResponseConfig = new CfnListener.FixedResponseConfigProperty { StatusCode = "404" } } },
        });

        var findings = gate.Errors(EdgeRules.ModernTls.Id);

        Gate.AssertFinding(findings, EdgeRules.ModernTls, "Gate-dev/Https");
        Assert.Contains(findings, f => f.Contains("no certificate", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("SslPolicy is ELBSecurityPolicy-2016-08", StringComparison.Ordinal));
    }

    [Fact]
    public void Edge3_HttpListenerServingContentAndARule_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var alb = LoadBalancer(gate, Attributes());
        var http = new CfnListener(gate.Stack, "Http", new CfnListenerProps
        {
            LoadBalancerArn = alb.Ref,
            Port = 80,
            Protocol = "HTTP",
            DefaultActions = new object[] { new CfnListener.ActionProperty { Type = "fixed-response", FixedResponseConfig = new CfnListener.FixedResponseConfigProperty { StatusCode = "200" } } },
        });
        _ = new CfnListenerRule(gate.Stack, "Rule", new CfnListenerRuleProps
        {
            ListenerArn = http.Ref,
            Priority = 1,
            Conditions = new object[] { new CfnListenerRule.RuleConditionProperty { Field = "path-pattern", Values = ["/v1/*"] } },
            Actions = new object[] { new CfnListenerRule.ActionProperty { Type = "fixed-response", FixedResponseConfig = new CfnListenerRule.FixedResponseConfigProperty { StatusCode = "200" } } },
        });

        var findings = gate.Errors(EdgeRules.HttpOnlyRedirects.Id);

        Gate.AssertFinding(findings, EdgeRules.HttpOnlyRedirects, "Gate-dev/Http");
        Assert.Contains(findings, f => f.Contains("not one redirect to HTTPS:443", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("a listener rule", StringComparison.Ordinal));
    }

    [Fact]
    public void Edge4_NoWebAcl_FailsOnTheLoadBalancer()
    {
        var gate = new Gate();
        _ = LoadBalancer(gate, Attributes());

        var finding = Assert.Single(gate.Errors(EdgeRules.WebAclInFront.Id));
        Gate.AssertFinding([finding], EdgeRules.WebAclInFront, "Gate-dev/Alb");
        Assert.Contains("no web ACL", finding, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev", false)]
    [InlineData("prod", true)]
    public void Edge4_MissingGroupsFireEverywhere_CountingOnlyInProd(string stage, bool countingFails)
    {
        var gate = new Gate(stage);
        var alb = LoadBalancer(gate, Attributes(deletionProtection: true));
        _ = WebAcl(gate, alb, EdgeRules.RequiredRuleGroups.Where(g => g != "AWSManagedRulesSQLiRuleSet").ToList(), countOnly: "AWSManagedRulesLinuxRuleSet");

        var findings = gate.Errors(EdgeRules.WebAclInFront.Id);

        Gate.AssertFinding(findings, EdgeRules.WebAclInFront, $"Gate-{stage}/Alb");
        Assert.Contains(findings, f => f.Contains("does not run AWSManagedRulesSQLiRuleSet", StringComparison.Ordinal));
        Assert.Equal(countingFails, findings.Any(f => f.Contains("only counts with AWSManagedRulesLinuxRuleSet", StringComparison.Ordinal)));
    }

    [Fact]
    public void Edge5_NoAccessLogsNoWafLoggingInDev_AreOnlyWarnings()
    {
        var gate = new Gate("dev");
        var alb = LoadBalancer(gate, [Attribute("routing.http.drop_invalid_header_fields.enabled", "true")]);
        _ = WebAcl(gate, alb, EdgeRules.RequiredRuleGroups, countOnly: null);

        var warnings = gate.Warnings(EdgeRules.EdgeLogging.Id);

        Gate.AssertFinding(warnings, EdgeRules.EdgeLogging, "Gate-dev/Alb");
        Gate.AssertFinding(warnings, EdgeRules.EdgeLogging, "Gate-dev/Acl");
        Assert.Empty(gate.Errors(EdgeRules.EdgeLogging.Id));
    }

    [Fact]
    public void Edge5_NoAccessLogsInProd_FailsSynth()
    {
        var gate = new Gate("prod");
        _ = LoadBalancer(gate, [Attribute("deletion_protection.enabled", "true")]);

        Gate.AssertFinding(gate.Errors(EdgeRules.EdgeLogging.Id), EdgeRules.EdgeLogging, "Gate-prod/Alb");
    }

    [Theory]
    [InlineData("dev", false)]
    [InlineData("prod", true)]
    public void Edge6_UnprotectedLoadBalancer_FailsOnlyInProd(string stage, bool fails)
    {
        var gate = new Gate(stage);
        _ = LoadBalancer(gate, Attributes(deletionProtection: false));

        if (fails)
        {
            Gate.AssertFinding(gate.Errors(EdgeRules.ProdDeletionProtection.Id), EdgeRules.ProdDeletionProtection, "Gate-prod/Alb");
        }
        else
        {
            Assert.Empty(gate.Findings(EdgeRules.ProdDeletionProtection.Id));
        }
    }

    [Fact]
    public void Edge8_ForwardingByDefaultAndARuleForEveryPath_FailWithPathAndFix()
    {
        var gate = new Gate();
        var alb = LoadBalancer(gate, Attributes());
        var https = new CfnListener(gate.Stack, "Https", new CfnListenerProps
        {
            LoadBalancerArn = alb.Ref,
            Port = 443,
            Protocol = "HTTPS",
            SslPolicy = ModernPolicy,
            Certificates = new object[] { new CfnListener.CertificateProperty { CertificateArn = Certificate } },
            DefaultActions = new object[] { new CfnListener.ActionProperty { Type = "forward", TargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/api/1" } },
        });
        ForwardRule(gate, https, "Everything", 1, "/*");
        ForwardRule(gate, https, "Api", 2, "/v1/*");

        var findings = gate.Errors(EdgeRules.OnlyApiPaths.Id);

        Gate.AssertFinding(findings, EdgeRules.OnlyApiPaths, "Gate-dev/Https");
        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Contains("the default action forwards every path", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("forwards '/*', which matches every path", StringComparison.Ordinal));
    }

    [Fact]
    public void Edge8_AFixedResponseAndAnApiPathRule_Pass()
    {
        var gate = new Gate();
        var https = Https(gate, LoadBalancer(gate, Attributes()), ModernPolicy);
        ForwardRule(gate, https, "Api", 1, "/v1/*");

        Assert.Empty(gate.Findings(EdgeRules.OnlyApiPaths.Id));
    }

    private static void ForwardRule(Gate gate, CfnListener listener, string id, int priority, string pattern) =>
        _ = new CfnListenerRule(gate.Stack, id, new CfnListenerRuleProps
        {
            ListenerArn = listener.Ref,
            Priority = priority,
            Conditions = new object[]
            {
                new CfnListenerRule.RuleConditionProperty
                {
                    Field = "path-pattern",
                    PathPatternConfig = new CfnListenerRule.PathPatternConfigProperty { Values = [pattern] },
                },
            },
            Actions = new object[] { new CfnListenerRule.ActionProperty { Type = "forward", TargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/api/1" } },
        });

    private static readonly BankSettings[] Banks =
    [
        new("HARB", "arn:aws:iam::310000000001:role/harb", ["accruals.write"], ["192.0.2.0/28"]),
        new("ORCH", "arn:aws:iam::310000000002:role/orch", ["accruals.write"], ["192.0.2.16/28", "192.0.2.64/27"]),
    ];

    [Fact]
    public void Edge7_IpListsAndARateRuleThatSeeTheBanks_FailWithPathAndFix()
    {
        var gate = new Gate(banks: Banks);
        var alb = LoadBalancer(gate, Attributes());
        // One bank's range is missing from the set: it is still judged by the IP lists and the stranger's rate rule.
        var partial = BankSet(gate, "Partial", ["192.0.2.0/28", "192.0.2.16/28"]);
        var acl = new CfnWebACL(gate.Stack, "Acl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("acl"),
            Rules = new[]
            {
                IpListRule("AWSManagedRulesAmazonIpReputationList", 0, scopeDown: null),
                IpListRule("AWSManagedRulesAnonymousIpList", 1, NotFrom(partial)),
                RateRule("Strangers", 2, 2000, NotFrom(partial)),
                RateRule("Generous", 3, BankRateLimit.Per5Minutes, scopeDown: null),
            },
        });
        _ = new CfnWebACLAssociation(gate.Stack, "Association", new CfnWebACLAssociationProps { ResourceArn = alb.Ref, WebAclArn = acl.AttrArn });

        var findings = gate.Errors(EdgeRules.BanksGetThrough.Id);

        Gate.AssertFinding(findings, EdgeRules.BanksGetThrough, "Gate-dev/Acl");
        Assert.Equal(3, findings.Count);
        Assert.Contains(findings, f => f.Contains("runs AWSManagedRulesAmazonIpReputationList on the banks' own addresses", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("runs AWSManagedRulesAnonymousIpList on the banks' own addresses", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("rule Strangers blocks a bank's address above 2000 requests per 5 minutes", StringComparison.Ordinal));
    }

    [Fact]
    public void Edge7_IpListsAndStrangersRateScopedAwayFromEveryBank_Pass()
    {
        var gate = new Gate(banks: Banks);
        var all = BankSet(gate, "All", ["192.0.2.64/27", "192.0.2.16/28", "192.0.2.0/28"]);
        _ = new CfnWebACL(gate.Stack, "Acl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("acl"),
            Rules = new[]
            {
                IpListRule("AWSManagedRulesAmazonIpReputationList", 0, NotFrom(all)),
                IpListRule("AWSManagedRulesAnonymousIpList", 1, NotFrom(all)),
                RateRule("Strangers", 2, 2000, NotFrom(all)),
                RateRule("Banks", 3, BankRateLimit.Per5Minutes, scopeDown: null),
            },
        });

        Assert.Empty(gate.Findings(EdgeRules.BanksGetThrough.Id));
    }

    private static CfnIPSet BankSet(Gate gate, string id, string[] addresses) =>
        new(gate.Stack, id, new CfnIPSetProps { Scope = "REGIONAL", IpAddressVersion = "IPV4", Addresses = addresses });

    private static CfnWebACL.StatementProperty NotFrom(CfnIPSet set) => new()
    {
        NotStatement = new CfnWebACL.NotStatementProperty
        {
            Statement = new CfnWebACL.StatementProperty { IpSetReferenceStatement = new CfnWebACL.IPSetReferenceStatementProperty { Arn = set.AttrArn } },
        },
    };

    private static CfnWebACL.RuleProperty IpListRule(string group, int priority, CfnWebACL.StatementProperty? scopeDown) => new()
    {
        Name = group,
        Priority = priority,
        OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
        Statement = new CfnWebACL.StatementProperty
        {
            ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = group, ScopeDownStatement = scopeDown },
        },
        VisibilityConfig = Visibility(group),
    };

    private static CfnWebACL.RuleProperty RateRule(string name, int priority, int limit, CfnWebACL.StatementProperty? scopeDown) => new()
    {
        Name = name,
        Priority = priority,
        Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
        Statement = new CfnWebACL.StatementProperty
        {
            RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = limit, AggregateKeyType = "IP", ScopeDownStatement = scopeDown },
        },
        VisibilityConfig = Visibility(name),
    };

    private static CfnLoadBalancer.LoadBalancerAttributeProperty Attribute(string key, string value) => new() { Key = key, Value = value };

    private static CfnLoadBalancer.LoadBalancerAttributeProperty[] Attributes(bool deletionProtection = false) =>
    [
        Attribute("routing.http.drop_invalid_header_fields.enabled", "true"),
        Attribute("routing.http.desync_mitigation_mode", "defensive"),
        Attribute("access_logs.s3.enabled", "true"),
        Attribute("access_logs.s3.bucket", "alb-logs"),
        Attribute("deletion_protection.enabled", deletionProtection ? "true" : "false"),
    ];

    private static CfnLoadBalancer LoadBalancer(Gate gate, CfnLoadBalancer.LoadBalancerAttributeProperty[] attributes) =>
        new(gate.Stack, "Alb", new CfnLoadBalancerProps
        {
            Type = "application",
            Scheme = "internet-facing",
            Subnets = ["subnet-1", "subnet-2", "subnet-3"],
            LoadBalancerAttributes = attributes,
        });

    private static CfnListener Https(Gate gate, CfnLoadBalancer alb, string sslPolicy) =>
        new(gate.Stack, "Https", new CfnListenerProps
        {
            LoadBalancerArn = alb.Ref,
            Port = 443,
            Protocol = "HTTPS",
            SslPolicy = sslPolicy,
            Certificates = new object[] { new CfnListener.CertificateProperty { CertificateArn = Certificate } },
            DefaultActions = new object[] { new CfnListener.ActionProperty { Type = "fixed-response", FixedResponseConfig = new CfnListener.FixedResponseConfigProperty { StatusCode = "404" } } },
        });

    private static void HttpRedirect(Gate gate, CfnLoadBalancer alb) =>
        _ = new CfnListener(gate.Stack, "Http", new CfnListenerProps
        {
            LoadBalancerArn = alb.Ref,
            Port = 80,
            Protocol = "HTTP",
            DefaultActions = new object[]
            {
                new CfnListener.ActionProperty
                {
                    Type = "redirect",
                    RedirectConfig = new CfnListener.RedirectConfigProperty { Protocol = "HTTPS", Port = "443", StatusCode = "HTTP_301" },
                },
            },
        });

    private static CfnWebACL WebAcl(Gate gate, CfnLoadBalancer alb, IReadOnlyList<string> groups, string? countOnly)
    {
        var rules = groups.Select((name, i) => new CfnWebACL.RuleProperty
        {
            Name = name,
            Priority = i,
            OverrideAction = name == countOnly
                ? new CfnWebACL.OverrideActionProperty { Count = new Dictionary<string, object>() }
                : new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
            Statement = new CfnWebACL.StatementProperty
            {
                ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = name },
            },
            VisibilityConfig = Visibility(name),
        }).Append(new CfnWebACL.RuleProperty
        {
            Name = "Rate",
            Priority = groups.Count,
            Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
            Statement = new CfnWebACL.StatementProperty
            {
                RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = 1000, AggregateKeyType = "IP" },
            },
            VisibilityConfig = Visibility("Rate"),
        });
        var acl = new CfnWebACL(gate.Stack, "Acl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("acl"),
            Rules = rules.ToArray(),
        });
        _ = new CfnWebACLAssociation(gate.Stack, "Association", new CfnWebACLAssociationProps { ResourceArn = alb.Ref, WebAclArn = acl.AttrArn });
        return acl;
    }

    private static void Logging(Gate gate, CfnWebACL acl) =>
        _ = new CfnLoggingConfiguration(gate.Stack, "Logging", new CfnLoggingConfigurationProps
        {
            ResourceArn = acl.AttrArn,
            LogDestinationConfigs = ["arn:aws:logs:eu-west-2:111111111111:log-group:aws-waf-logs-gate"],
        });

    private static CfnWebACL.VisibilityConfigProperty Visibility(string name) =>
        new() { CloudWatchMetricsEnabled = true, SampledRequestsEnabled = true, MetricName = name };
}
