using System.Text.Json.Nodes;

namespace Loyalty.Infra.PolicyGate;

public static class NetworkRules
{
    public static readonly PolicyRule FlowLogs = new(
        "LOY-NET-1", Severity.Error, "Network", "Forensics and traffic evidence",
        "add vpc.AddFlowLog(...) with FlowLogTrafficType.ALL to an encrypted log group",
        (r, ctx) => r.Type != "AWS::EC2::VPC" || ctx.OfType("AWS::EC2::FlowLog").Any(f =>
            Cfn.ReferencedId(f.Properties.Get("ResourceId")) == r.LogicalId
            && f.Properties.Get("ResourceType").Text() == "VPC"
            && f.Properties.Get("TrafficType").Text() == "ALL")
            ? []
            : ["the VPC has no AWS::EC2::FlowLog with ResourceType VPC and TrafficType ALL"]);

    public static readonly PolicyRule NoOpenIngress = new(
        "LOY-NET-2", Severity.Error, "Network", "Only the ALB faces the internet",
        "admit 0.0.0.0/0 or ::/0 only on TCP 80/443 of the ALB's security group; reach anything else from a security group",
        OpenIngress);

    public const int SshPort = 22;

    public static readonly PolicyRule SshRestricted = new(
        "LOY-NET-3", Severity.Error, "Network", "SSH only via allow-list/bastion; SSM first",
        "admit port 22 on the bastion only from the stage's SshAllowList CIDRs and on the app group only from the bastion's security group; nowhere else",
        SshFaults);

    public static readonly PolicyRule AppEgressLimited = new(
        "LOY-NET-4", Severity.Error, "Network", "App hosts reach only what they need",
        "set AllowAllOutbound = false on the app's security group and add egress per need: TCP 443 for AWS APIs, the database's port to its security group",
        AppEgressFaults);

    private static readonly int[] PublicPorts = [80, 443];

    /// <summary>The security groups the launch templates put on instances: the app hosts.</summary>
    private static HashSet<string?> AppGroups(PolicyContext ctx) => ctx.OfType("AWS::EC2::LaunchTemplate")
        .SelectMany(t => t.Properties.At("LaunchTemplateData", "SecurityGroupIds").Items()
            .Concat(t.Properties.At("LaunchTemplateData", "NetworkInterfaces").Items().SelectMany(n => n.Get("Groups").Items()))
            .Select(Cfn.ReferencedId))
        .ToHashSet();

    private static IEnumerable<string> AppEgressFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Type != "AWS::EC2::SecurityGroup" || !AppGroups(ctx).Contains(r.LogicalId))
        {
            yield break;
        }

        var inline = r.Properties.Get("SecurityGroupEgress").Items().ToList();
        if (inline.Count == 0)
        {
            yield return "the app's security group lists no egress, so CloudFormation lets it send anything anywhere";
        }

        var standalone = ctx.OfType("AWS::EC2::SecurityGroupEgress")
            .Where(e => Cfn.ReferencedId(e.Properties.Get("GroupId")) == r.LogicalId)
            .Select(e => e.Properties);
        foreach (var rule in inline.Concat(standalone))
        {
            var anywhere = rule.Get("CidrIp").Text() == "0.0.0.0/0" || rule.Get("CidrIpv6").Text() == "::/0";
            var from = rule.Get("FromPort").Number();
            var to = rule.Get("ToPort").Number();
            var onePort = rule.Get("IpProtocol").Text() is "tcp" or "6" && from is not null && from == to;
            if (anywhere && !onePort)
            {
                yield return $"egress to anywhere on {rule.Get("IpProtocol").Text()} {from}-{to}: more than one port";
            }
        }
    }

    private static IEnumerable<string> SshFaults(PolicyResource r, PolicyContext ctx)
    {
        var rules = IngressRules(r);
        if (rules.Length == 0)
        {
            yield break;
        }

        var bastionGroups = ctx.OfType("AWS::EC2::Instance")
            .SelectMany(i => i.Properties.Get("SecurityGroupIds").Items().Select(Cfn.ReferencedId))
            .ToHashSet();
        var appGroups = AppGroups(ctx);
        foreach (var (group, rule) in rules.Where(x => CoversSsh(x.Rule)))
        {
            var cidr = rule.Get("CidrIp").Text();
            var source = Cfn.ReferencedId(rule.Get("SourceSecurityGroupId"));
            if (bastionGroups.Contains(group))
            {
                if (cidr is null || !ctx.SshAllowList.Contains(cidr))
                {
                    yield return $"SSH on the bastion group from {cidr ?? rule.Get("CidrIpv6").Text() ?? source ?? "a source"}, which is not in the stage's SSH allow-list";
                }
            }
            else if (appGroups.Contains(group))
            {
                if (source is null || !bastionGroups.Contains(source))
                {
                    yield return $"SSH on the app group from {cidr ?? rule.Get("CidrIpv6").Text() ?? source ?? "a source"}, not from the bastion's security group";
                }
            }
            else
            {
                yield return $"SSH admitted on group {group}, which is neither the bastion's nor the app's";
            }
        }
    }

    private static bool CoversSsh(JsonNode? rule)
    {
        var protocol = rule.Get("IpProtocol").Text();
        if (protocol == "-1")
        {
            return true;
        }

        return protocol is "tcp" or "6" && rule.Get("FromPort").Number() is { } from && rule.Get("ToPort").Number() is { } to && from <= SshPort && SshPort <= to;
    }

    private static (string GroupId, JsonNode? Rule)[] IngressRules(PolicyResource r) => r.Type switch
    {
        "AWS::EC2::SecurityGroup" => r.Properties.Get("SecurityGroupIngress").Items().Select(i => (r.LogicalId, i)).ToArray(),
        "AWS::EC2::SecurityGroupIngress" => [(Cfn.ReferencedId(r.Properties.Get("GroupId")) ?? "", r.Properties)],
        _ => [],
    };

    private static IEnumerable<string> OpenIngress(PolicyResource r, PolicyContext ctx)
    {
        var rules = IngressRules(r);
        var albGroups = ctx.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer")
            .SelectMany(a => a.Properties.Get("SecurityGroups").Items().Select(Cfn.ReferencedId))
            .ToHashSet();
        foreach (var (group, rule) in rules)
        {
            var open = rule.Get("CidrIp").Text() == "0.0.0.0/0" ? "0.0.0.0/0" : rule.Get("CidrIpv6").Text() == "::/0" ? "::/0" : null;
            if (open is null)
            {
                continue;
            }

            var from = rule.Get("FromPort").Number();
            var to = rule.Get("ToPort").Number();
            var webPort = rule.Get("IpProtocol").Text() == "tcp" && from == to && from is { } port && PublicPorts.Contains((int)port);
            if (!(webPort && albGroups.Contains(group)))
            {
                yield return $"ingress from {open} on {rule.Get("IpProtocol").Text()} {from}-{to} is open to the internet";
            }
        }
    }
}
