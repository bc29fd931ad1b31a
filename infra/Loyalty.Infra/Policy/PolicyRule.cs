using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Loyalty.Infra.PolicyGate;

/// <summary>E fails synth in every stage; W fails prod synth and is only printed in dev (infra/POLICY.md).</summary>
public enum Severity
{
    Error,
    Warning,
}

/// <summary>
/// One policy rule, cdk-nag style: a stable id, what it protects (<see cref="Why"/>), how to comply
/// (<see cref="Fix"/>) and a pure check over one L1 resource that yields a fault per violation.
/// </summary>
public sealed record PolicyRule(
    string Id,
    Severity Severity,
    string Area,
    string Why,
    string Fix,
    Func<PolicyResource, PolicyContext, IEnumerable<string>> Check)
{
    public string SeverityWord => Severity == Severity.Error ? "error" : "warning";
}

/// <summary>
/// An L1 resource as the gate reads it: its type, construct path, logical id and resolved properties. The stack
/// itself is checked once too, as a resource of type <see cref="StackType"/> with no <see cref="Cfn"/>: rules about
/// what must exist somewhere (a queue per bank) report there.
/// </summary>
public sealed record PolicyResource(CfnResource? Cfn, string Type, string Path, string LogicalId, JsonObject Properties)
{
    public const string StackType = "AWS::CloudFormation::Stack";

    /// <summary>The resource's DeletionPolicy, UpdateReplacePolicy and UpdatePolicy.</summary>
    public ICfnResourceOptions? Options => Cfn?.CfnOptions;
}

/// <summary>What the gate knows of the stage it checks: plain values of the validated stage file.</summary>
/// <param name="SshAllowList">The bastion's SSH allow-list (CIDRs); empty means no SSH rule at all.</param>
/// <param name="Banks">The stage's banks: each gets one FIFO queue only it reads and one token client.</param>
public sealed record PolicyStage(string Name, bool IsProduction, IReadOnlyList<string> SshAllowList, IReadOnlyList<BankSettings> Banks)
{
    public static PolicyStage Of(StageConfig stage) => new(stage.Name, stage.IsProduction, stage.Bastion.SshAllowList, stage.Banks);
}

/// <summary>What a rule may look at beyond its resource: the stage and every other resource of the stack.</summary>
public sealed class PolicyContext(PolicyStage stage, Func<IReadOnlyList<PolicyResource>> load)
{
    private IReadOnlyList<PolicyResource>? resources;

    public string Stage => stage.Name;

    public bool IsProduction => stage.IsProduction;

    /// <inheritdoc cref="PolicyStage.SshAllowList"/>
    public IReadOnlyList<string> SshAllowList => stage.SshAllowList;

    /// <inheritdoc cref="PolicyStage.Banks"/>
    public IReadOnlyList<BankSettings> Banks => stage.Banks;

    public IReadOnlyList<PolicyResource> Resources => resources ??= load();

    public IEnumerable<PolicyResource> OfType(string type) => Resources.Where(r => r.Type == type);

    /// <summary>The routes of the route tables associated with a subnet (by its logical id).</summary>
    public IEnumerable<PolicyResource> RoutesOf(string subnetId)
    {
        var tables = OfType("AWS::EC2::SubnetRouteTableAssociation")
            .Where(a => Cfn.ReferencedId(a.Properties.Get("SubnetId")) == subnetId)
            .Select(a => Cfn.ReferencedId(a.Properties.Get("RouteTableId")))
            .ToHashSet();
        return OfType("AWS::EC2::Route").Where(route => tables.Contains(Cfn.ReferencedId(route.Properties.Get("RouteTableId"))));
    }

    /// <summary>The listeners of a load balancer.</summary>
    public IEnumerable<PolicyResource> ListenersOf(PolicyResource loadBalancer) =>
        OfType("AWS::ElasticLoadBalancingV2::Listener").Where(l => Cfn.ReferencedId(l.Properties.Get("LoadBalancerArn")) == loadBalancer.LogicalId);

    /// <summary>
    /// The resource a <c>{"Ref": id}</c> or <c>{"Fn::GetAtt": [id, attr]}</c> points at, if it is in this stack. A miss
    /// reloads the view once: other aspects (CDK's IMDSv2 launch template) add resources while the gate runs.
    /// </summary>
    public PolicyResource? Target(JsonNode? reference)
    {
        var id = Cfn.ReferencedId(reference);
        if (id is null)
        {
            return null;
        }

        var found = Resources.FirstOrDefault(r => r.LogicalId == id);
        if (found is null)
        {
            resources = load();
            found = Resources.FirstOrDefault(r => r.LogicalId == id);
        }

        return found;
    }

    /// <summary>Forgets the stack-wide view, so the next rule reads the stack as it is now.</summary>
    public void Reload() => resources = null;
}

/// <summary>
/// Reads resolved CloudFormation properties. The inspector hands them over in the L1's camelCase, so names are
/// matched ignoring case, which lets rules use the CloudFormation spelling (KMSMasterKeyID = kmsMasterKeyId).
/// </summary>
public static class Cfn
{
    public static JsonNode? Get(this JsonNode? node, string name) =>
        node is JsonObject obj ? obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;

    public static JsonNode? At(this JsonNode? node, params string[] names) => names.Aggregate(node, (n, name) => n.Get(name));

    public static bool IsTrue(this JsonNode? node) => node is JsonValue v &&
        ((v.TryGetValue<bool>(out var b) && b) || (v.TryGetValue<string>(out var s) && string.Equals(s, "true", StringComparison.OrdinalIgnoreCase)));

    public static string? Text(this JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A number CloudFormation may carry as a number or a numeric string.</summary>
    public static double? Number(this JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public static IEnumerable<JsonNode?> Items(this JsonNode? node) => node is JsonArray a ? a : [];

    public static string? ReferencedId(JsonNode? reference) => reference switch
    {
        JsonObject o when o.Get("Ref") is { } r => r.Text(),
        JsonObject o when o.Get("Fn::GetAtt") is JsonArray a && a.Count > 0 => a[0].Text(),
        _ => null,
    };
}
