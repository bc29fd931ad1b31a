using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>The Edge construct as both stages synthesise it: web ACL, its association to the ALB, and WAF logging.</summary>
[Collection(StagesSuite.Name)]
public sealed class EdgeTests(Stages stages)
{
    private static readonly string[] ManagedGroups =
    [
        "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList", "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesLinuxRuleSet",
    ];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void WebAcl_IsRegional_AllowsByDefault_WithMetricsAndSamples(string stage)
    {
        var acl = WebAcl(stage).Properties;

        Assert.Equal("REGIONAL", acl.GetProperty("Scope").GetString());
        Assert.True(acl.GetProperty("DefaultAction").TryGetProperty("Allow", out _));
        AssertVisible(acl.GetProperty("VisibilityConfig"));
        Assert.NotEmpty(Rules(stage));
        Assert.All(Rules(stage), r => AssertVisible(r.GetProperty("VisibilityConfig")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void WebAcl_RunsTheSixAwsManagedGroups_EachEnforcing(string stage)
    {
        var managed = Rules(stage)
            .Where(r => r.GetProperty("Statement").TryGetProperty("ManagedRuleGroupStatement", out _))
            .ToList();

        Assert.Equal(ManagedGroups.Order(StringComparer.Ordinal),
            managed.Select(r => r.GetProperty("Statement").GetProperty("ManagedRuleGroupStatement").GetProperty("Name").GetString()!)
                .Order(StringComparer.Ordinal));
        foreach (var rule in managed)
        {
            Assert.Equal("AWS", rule.GetProperty("Statement").GetProperty("ManagedRuleGroupStatement").GetProperty("VendorName").GetString());
            var overrideAction = rule.GetProperty("OverrideAction");
            Assert.True(overrideAction.TryGetProperty("None", out _));
            Assert.False(overrideAction.TryGetProperty("Count", out _));
        }
    }

    [Fact]
    public void ProdWebAcl_CountsNothing()
    {
        // Count would let matched requests through (policy LOY-EDGE-4).
        Assert.DoesNotContain("\"Count\"", WebAcl("prod").Properties.GetProperty("Rules").GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void BankEgressSet_HoldsEveryBanksRanges(string stage)
    {
        var set = Assert.Single(stages[stage].Resources("AWS::WAFv2::IPSet")).Properties;

        Assert.Equal("REGIONAL", set.GetProperty("Scope").GetString());
        Assert.Equal("IPV4", set.GetProperty("IPAddressVersion").GetString());
        Assert.Equal(stages[stage].Config.Banks.SelectMany(b => b.EgressCidrs).Order(StringComparer.Ordinal),
            set.GetProperty("Addresses").EnumerateArray().Select(a => a.GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void IpListGroups_NeverJudgeTheBanksAddresses(string stage)
    {
        var groups = new[] { "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList" };
        foreach (var group in groups)
        {
            var statement = Assert.Single(Rules(stage), r => ManagedGroupOf(r) == group).GetProperty("Statement").GetProperty("ManagedRuleGroupStatement");
            Assert.Equal(BankSetId(stage), NotFromSetOf(statement.GetProperty("ScopeDownStatement")));
        }

        // The inspecting groups still see every request, the banks' included.
        Assert.All(Rules(stage).Where(r => ManagedGroupOf(r) is { } g && !groups.Contains(g)), r =>
            Assert.False(r.GetProperty("Statement").GetProperty("ManagedRuleGroupStatement").TryGetProperty("ScopeDownStatement", out _)));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RateRules_GiveBanksTheirApiAllowance_AndEveryOtherAddressTheStagesLimit(string stage)
    {
        var strangers = RateRule(stage, "RateLimitPerClientIp");
        Assert.Equal(stages[stage].Config.Edge.WafRateLimitPer5Minutes, strangers.GetProperty("Limit").GetInt32());
        Assert.Equal(BankSetId(stage), NotFromSetOf(strangers.GetProperty("ScopeDownStatement")));

        var banks = RateRule(stage, "RateLimitPerBankIp");
        // 200/s for 300 s after a burst of 400: what the API's limiter lets one bank send in WAF's window.
        Assert.Equal(60_400, banks.GetProperty("Limit").GetInt32());
        Assert.Equal(BankSetId(stage), GetAttOf(banks.GetProperty("ScopeDownStatement").GetProperty("IPSetReferenceStatement").GetProperty("Arn"), "Arn"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RulePriorities_AreDistinct(string stage)
    {
        var priorities = Rules(stage).Select(r => r.GetProperty("Priority").GetInt32()).ToList();

        Assert.Equal(8, priorities.Count);
        Assert.Equal(priorities.Count, priorities.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void WebAcl_IsAssociatedWithTheLoadBalancer(string stage)
    {
        var (aclId, _) = WebAcl(stage);
        var loadBalancerId = Assert.Single(stages[stage].Resources("AWS::ElasticLoadBalancingV2::LoadBalancer")).LogicalId;
        var association = Assert.Single(stages[stage].Resources("AWS::WAFv2::WebACLAssociation")).Properties;

        Assert.Equal(loadBalancerId, association.GetProperty("ResourceArn").GetProperty("Ref").GetString());
        Assert.Equal(aclId, GetAttOf(association.GetProperty("WebACLArn"), "Arn"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Logging_GoesToTheWafLogGroup_WithTheAuthorizationHeaderRedacted(string stage)
    {
        var (aclId, _) = WebAcl(stage);
        var logging = Assert.Single(stages[stage].Resources("AWS::WAFv2::LoggingConfiguration")).Properties;
        Assert.Equal(aclId, GetAttOf(logging.GetProperty("ResourceArn"), "Arn"));

        var redacted = Assert.Single(logging.GetProperty("RedactedFields").EnumerateArray());
        Assert.Equal("authorization", redacted.GetProperty("SingleHeader").GetProperty("Name").GetString());

        // A log-group ARN without the ":*" the GetAtt Arn carries (WAF rejects that form).
        var destination = Assert.Single(logging.GetProperty("LogDestinationConfigs").EnumerateArray());
        var (groupId, _) = WafLogGroup(stage);
        var parts = destination.GetProperty("Fn::Join")[1].EnumerateArray().ToList();
        Assert.Contains(parts, p => p.ValueKind == JsonValueKind.String && p.GetString()!.EndsWith(":log-group:", StringComparison.Ordinal));
        Assert.Equal(groupId, parts[^1].GetProperty("Ref").GetString());
        Assert.DoesNotContain(":*", destination.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void WafLogGroup_IsEncryptedWithTheLogKey_AndKeptForTheStagesRetention(string stage)
    {
        var (groupId, properties) = WafLogGroup(stage);
        var resource = stages[stage].Json.GetProperty("Resources").GetProperty(groupId);
        var keyId = Assert.Single(stages[stage].Resources("AWS::KMS::Key"),
            k => k.LogicalId.StartsWith("LogKey", StringComparison.Ordinal)).LogicalId;

        Assert.Equal(keyId, GetAttOf(properties.GetProperty("KmsKeyId"), "Arn"));
        var retention = properties.GetProperty("RetentionInDays").GetInt32();
        Assert.True(retention >= stages[stage].Config.Observability.LogRetentionDays);
        Assert.True(retention >= (stage == "prod" ? 365 : 30));
        var kept = stage == "prod" ? "Retain" : "Delete";
        Assert.Equal(kept, resource.GetProperty("DeletionPolicy").GetString());
        Assert.Equal(kept, resource.GetProperty("UpdateReplacePolicy").GetString());
    }

    private (string LogicalId, JsonElement Properties) WebAcl(string stage) => Assert.Single(stages[stage].Resources("AWS::WAFv2::WebACL"));

    private List<JsonElement> Rules(string stage) => [.. WebAcl(stage).Properties.GetProperty("Rules").EnumerateArray()];

    private JsonElement RateRule(string stage, string name)
    {
        var rule = Assert.Single(Rules(stage), r => r.GetProperty("Name").GetString() == name);
        Assert.True(rule.GetProperty("Action").TryGetProperty("Block", out _));
        Assert.False(rule.TryGetProperty("OverrideAction", out _));
        var statement = rule.GetProperty("Statement").GetProperty("RateBasedStatement");
        Assert.Equal("IP", statement.GetProperty("AggregateKeyType").GetString());
        return statement;
    }

    private static string? ManagedGroupOf(JsonElement rule) =>
        rule.GetProperty("Statement").TryGetProperty("ManagedRuleGroupStatement", out var group) ? group.GetProperty("Name").GetString() : null;

    private string BankSetId(string stage) => Assert.Single(stages[stage].Resources("AWS::WAFv2::IPSet")).LogicalId;

    private static string NotFromSetOf(JsonElement scopeDown) =>
        GetAttOf(scopeDown.GetProperty("NotStatement").GetProperty("Statement").GetProperty("IPSetReferenceStatement").GetProperty("Arn"), "Arn");

    private (string LogicalId, JsonElement Properties) WafLogGroup(string stage) =>
        Assert.Single(stages[stage].Resources("AWS::Logs::LogGroup"),
            g => g.Properties.TryGetProperty("LogGroupName", out var name) && name.ValueKind == JsonValueKind.String
                && name.GetString()!.StartsWith("aws-waf-logs-", StringComparison.Ordinal));

    private static void AssertVisible(JsonElement visibility)
    {
        Assert.True(visibility.GetProperty("CloudWatchMetricsEnabled").GetBoolean());
        Assert.True(visibility.GetProperty("SampledRequestsEnabled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(visibility.GetProperty("MetricName").GetString()));
    }

    private static string GetAttOf(JsonElement value, string attribute)
    {
        var getAtt = value.GetProperty("Fn::GetAtt");
        Assert.Equal(attribute, getAtt[1].GetString());
        return getAtt[0].GetString()!;
    }
}
