using System.Text.Json.Nodes;
using Loyalty.Core;

namespace Loyalty.Infra.PolicyGate;

public static class EdgeRules
{
    private const string LoadBalancer = "AWS::ElasticLoadBalancingV2::LoadBalancer";
    private const string Listener = "AWS::ElasticLoadBalancingV2::Listener";

    public const string TlsPolicyFamily = "ELBSecurityPolicy-TLS13-";

    /// <summary>The AWS managed rule groups every web ACL in front of the API runs.</summary>
    public static readonly IReadOnlyList<string> RequiredRuleGroups =
    [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesLinuxRuleSet",
    ];

    public static readonly PolicyRule NoRequestSmuggling = new(
        "LOY-EDGE-1", Severity.Error, "Edge", "Request smuggling / desync",
        "set DropInvalidHeaderFields = true and leave DesyncMitigationMode defensive or strictest",
        (r, _) =>
        {
            if (r.Type != LoadBalancer)
            {
                return [];
            }

            var faults = new List<string>();
            if (!Attribute(r, "routing.http.drop_invalid_header_fields.enabled").IsTrue())
            {
                faults.Add("routing.http.drop_invalid_header_fields.enabled is not true");
            }

            if (Attribute(r, "routing.http.desync_mitigation_mode").Text() == "monitor")
            {
                faults.Add("routing.http.desync_mitigation_mode is monitor");
            }

            return faults;
        });

    public static readonly PolicyRule ModernTls = new(
        "LOY-EDGE-2", Severity.Error, "Edge", "TLS 1.2 or newer only",
        $"add an HTTPS listener on 443 with the stage's ACM certificate and SslPolicy.RECOMMENDED_TLS (a {TlsPolicyFamily}* policy)",
        (r, ctx) => r.Type switch
        {
            LoadBalancer when !ctx.ListenersOf(r).Any(l => l.Properties.Get("Port").Number() == 443 && l.Properties.Get("Protocol").Text() == "HTTPS") =>
                ["the load balancer has no HTTPS listener on 443"],
            Listener when r.Properties.Get("Protocol").Text() == "HTTPS" => TlsFaults(r),
            _ => [],
        });

    public static readonly PolicyRule HttpOnlyRedirects = new(
        "LOY-EDGE-3", Severity.Error, "Edge", "HTTP never serves content",
        "give the HTTP listener only a redirect to HTTPS:443 with HTTP_301 (loadBalancer.AddRedirect()) and no listener rules",
        (r, ctx) => r.Type == Listener && r.Properties.Get("Protocol").Text() == "HTTP" ? RedirectFaults(r, ctx) : []);

    public static readonly PolicyRule WebAclInFront = new(
        "LOY-EDGE-4", Severity.Error, "Edge", "Filter the public API at the edge",
        $"associate the load balancer with a REGIONAL CfnWebACL running {string.Join(", ", RequiredRuleGroups)} and a blocking "
        + "rate-based rule; in prod no rule may only count",
        (r, ctx) => r.Type == LoadBalancer ? WebAclFaults(r, ctx) : []);

    public static readonly PolicyRule EdgeLogging = new(
        "LOY-EDGE-5", Severity.Warning, "Edge", "Incident reconstruction",
        "turn on the load balancer's access logs (LogAccessLogs) and give the web ACL a CfnLoggingConfiguration",
        (r, ctx) => r.Type switch
        {
            LoadBalancer when !Attribute(r, "access_logs.s3.enabled").IsTrue() || Attribute(r, "access_logs.s3.bucket") is null =>
                ["access logs are off or have no bucket"],
            "AWS::WAFv2::WebACL" when !ctx.OfType("AWS::WAFv2::LoggingConfiguration").Any(l => ctx.Target(l.Properties.Get("ResourceArn"))?.LogicalId == r.LogicalId) =>
                ["no AWS::WAFv2::LoggingConfiguration logs this web ACL"],
            _ => [],
        });

    public static readonly PolicyRule ProdDeletionProtection = new(
        "LOY-EDGE-6", Severity.Warning, "Edge", "Partners keep their endpoint",
        "set DeletionProtection = true on the prod load balancer (stage file edge.albDeletionProtection)",
        (r, ctx) => ctx.IsProduction && r.Type == LoadBalancer && !Attribute(r, "deletion_protection.enabled").IsTrue()
            ? ["deletion_protection.enabled is not true"]
            : []);

    /// <summary>AWS's managed groups that judge a caller by its address alone; hosting-provider ranges are where banks' NATs live.</summary>
    public static readonly IReadOnlyList<string> IpListGroups = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"];

    public static readonly PolicyRule BanksGetThrough = new(
        "LOY-EDGE-7", Severity.Error, "Edge", "Banks are never blocked by where they call from, nor below their API allowance",
        $"give {string.Join(" and ", IpListGroups)} a scope-down statement NOT (IPSetReferenceStatement of an IP set holding every bank's "
        + $"egressCidrs), and exclude those addresses from any rate-based rule whose limit is below {BankRateLimit.Per5Minutes} per 5 minutes "
        + "(Loyalty.Core.BankRateLimit.Per5Minutes)",
        (r, ctx) => r.Type == "AWS::WAFv2::WebACL" && ctx.Banks.Count > 0 ? BankFaults(r, ctx) : []);

    private static IEnumerable<string> BankFaults(PolicyResource acl, PolicyContext ctx)
    {
        foreach (var rule in acl.Properties.Get("Rules").Items())
        {
            var name = rule.Get("Name").Text();
            var group = rule.At("Statement", "ManagedRuleGroupStatement");
            if (group.Get("VendorName").Text() == "AWS" && IpListGroups.Contains(group.Get("Name").Text())
                && !ExcludesBanks(group.Get("ScopeDownStatement"), ctx))
            {
                yield return $"rule {name} runs {group.Get("Name").Text()} on the banks' own addresses";
            }

            var rate = rule.At("Statement", "RateBasedStatement");
            if (rate is not null && rule.At("Action", "Block") is not null && rate.Get("Limit").Number() < BankRateLimit.Per5Minutes
                && !ExcludesBanks(rate.Get("ScopeDownStatement"), ctx))
            {
                yield return $"rule {name} blocks a bank's address above {rate.Get("Limit").Number()} requests per 5 minutes, "
                    + $"below the {BankRateLimit.Per5Minutes} the API allows it";
            }
        }
    }

    public static readonly PolicyRule OnlyApiPaths = new(
        "LOY-EDGE-8", Severity.Error, "Edge", "The internet reaches only the API's own paths",
        "give the HTTPS listener a fixed-response default action (ListenerAction.FixedResponse(404, ...)) and forward to the fleet "
        + "only in listener rules whose path-pattern condition names the API's paths (e.g. /v1/*), never /* or *",
        (r, ctx) => r.Type == Listener && r.Properties.Get("Protocol").Text() == "HTTPS" ? ForwardFaults(r, ctx) : []);

    private static IEnumerable<string> ForwardFaults(PolicyResource listener, PolicyContext ctx)
    {
        if (listener.Properties.Get("DefaultActions").Items().Any(a => a.Get("Type").Text() == "forward"))
        {
            yield return "the default action forwards every path to the fleet";
        }

        var forwarding = ctx.OfType("AWS::ElasticLoadBalancingV2::ListenerRule")
            .Where(rule => Cfn.ReferencedId(rule.Properties.Get("ListenerArn")) == listener.LogicalId)
            .Where(rule => rule.Properties.Get("Actions").Items().Any(a => a.Get("Type").Text() == "forward"));
        foreach (var rule in forwarding)
        {
            var patterns = rule.Properties.Get("Conditions").Items()
                .Where(c => c.Get("Field").Text() == "path-pattern")
                .SelectMany(c => c.At("PathPatternConfig", "Values").Items().Concat(c.Get("Values").Items()))
                .Select(v => v.Text() ?? "")
                .ToList();
            if (patterns.Count == 0)
            {
                yield return $"listener rule {rule.LogicalId} forwards without a path-pattern condition";
            }

            foreach (var pattern in patterns.Where(p => p.TrimStart('/').StartsWith('*')))
            {
                yield return $"listener rule {rule.LogicalId} forwards '{pattern}', which matches every path";
            }
        }
    }

    /// <summary>The statement is NOT (an IP set of this stack that holds every bank's egress ranges).</summary>
    private static bool ExcludesBanks(JsonNode? statement, PolicyContext ctx)
    {
        var set = ctx.Target(statement.At("NotStatement", "Statement", "IPSetReferenceStatement", "Arn"));
        if (set?.Type != "AWS::WAFv2::IPSet")
        {
            return false;
        }

        var addresses = set.Properties.Get("Addresses").Items().Select(a => a.Text()).ToHashSet();
        return ctx.Banks.SelectMany(b => b.EgressCidrs).All(addresses.Contains);
    }

    private static JsonNode? Attribute(PolicyResource alb, string key) =>
        alb.Properties.Get("LoadBalancerAttributes").Items().FirstOrDefault(a => a.Get("Key").Text() == key).Get("Value");

    private static IEnumerable<string> TlsFaults(PolicyResource listener)
    {
        if (!listener.Properties.Get("Certificates").Items().Any(c => c.Get("CertificateArn") is not null))
        {
            yield return "the HTTPS listener has no certificate";
        }

        if (listener.Properties.Get("SslPolicy").Text() is not { } policy || !policy.StartsWith(TlsPolicyFamily, StringComparison.Ordinal))
        {
            yield return $"SslPolicy is {listener.Properties.Get("SslPolicy").Text() ?? "unset (ELBSecurityPolicy-2016-08)"}, not a {TlsPolicyFamily}* policy";
        }
    }

    private static IEnumerable<string> RedirectFaults(PolicyResource listener, PolicyContext ctx)
    {
        var actions = listener.Properties.Get("DefaultActions").Items().ToList();
        var redirect = actions.Count == 1 && actions[0].Get("Type").Text() == "redirect" ? actions[0].Get("RedirectConfig") : null;
        if (redirect is null
            || redirect.Get("Protocol").Text() != "HTTPS"
            || redirect.Get("Port").Text() != "443"
            || redirect.Get("StatusCode").Text() != "HTTP_301")
        {
            yield return "the default actions are not one redirect to HTTPS:443 with HTTP_301";
        }

        if (ctx.OfType("AWS::ElasticLoadBalancingV2::ListenerRule").Any(rule => Cfn.ReferencedId(rule.Properties.Get("ListenerArn")) == listener.LogicalId))
        {
            yield return "a listener rule on the HTTP listener can serve content";
        }
    }

    private static IEnumerable<string> WebAclFaults(PolicyResource alb, PolicyContext ctx)
    {
        var acls = ctx.OfType("AWS::WAFv2::WebACLAssociation")
            .Where(a => Cfn.ReferencedId(a.Properties.Get("ResourceArn")) == alb.LogicalId)
            .Select(a => ctx.Target(a.Properties.Get("WebACLArn")))
            .Where(a => a?.Type == "AWS::WAFv2::WebACL")
            .ToList();
        if (acls.Count == 0)
        {
            yield return "no web ACL of this stack is associated with the load balancer";
            yield break;
        }

        foreach (var acl in acls)
        {
            var p = acl!.Properties;
            if (p.Get("Scope").Text() != "REGIONAL")
            {
                yield return $"web ACL {acl.LogicalId} is not REGIONAL";
            }

            var rules = p.Get("Rules").Items().ToList();
            var groups = rules
                .Select(rule => rule.At("Statement", "ManagedRuleGroupStatement"))
                .Where(g => g.Get("VendorName").Text() == "AWS")
                .Select(g => g.Get("Name").Text())
                .ToHashSet();
            foreach (var missing in RequiredRuleGroups.Where(g => !groups.Contains(g)))
            {
                yield return $"web ACL {acl.LogicalId} does not run {missing}";
            }

            if (!rules.Any(rule => rule.At("Statement", "RateBasedStatement") is not null && rule.At("Action", "Block") is not null))
            {
                yield return $"web ACL {acl.LogicalId} has no blocking rate-based rule";
            }

            var counting = rules.Where(rule => rule.At("OverrideAction", "Count") is not null || rule.At("Action", "Count") is not null).ToList();
            if (ctx.IsProduction && counting.Count > 0)
            {
                yield return $"web ACL {acl.LogicalId} only counts with {string.Join(", ", counting.Select(c => c.Get("Name").Text()))}";
            }
        }
    }
}
