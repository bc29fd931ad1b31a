using System.Globalization;
using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>
/// Every security-group rule in each stage, inline or as its own resource, against the exact set the design allows:
/// the ALB from the internet on 80/443, the app only from the ALB (and SSH from the bastion), the bastion's SSH only
/// from the stage's allow-list, the database only from the app and the bastion, the interface endpoints (prod) only
/// HTTPS from the VPC; out of the app, HTTPS and the database only; out of the endpoints, nothing. Nothing else.
/// </summary>
[Collection(StagesSuite.Name)]
public sealed class SecurityGroupTests(Stages stages)
{
    private const string Anywhere = "0.0.0.0/0";

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void IngressRules_AreExactlyTheDesignedOnes(string stage)
    {
        var synthesised = stages[stage];
        var appPort = synthesised.Config.Fleet.AppPort;
        var expected = new List<Rule>
        {
            new("alb", "tcp", 80, 80, Anywhere),
            new("alb", "tcp", 443, 443, Anywhere),
            new("app", "tcp", appPort, appPort, "sg:alb"),
            new("app", "tcp", 22, 22, "sg:bastion"),
        };
        expected.AddRange(synthesised.Config.Bastion.SshAllowList.Select(cidr => new Rule("bastion", "tcp", 22, 22, cidr)));
        // The database is reachable from the app, the bastion and the secrets' rotation functions only.
        expected.Add(new Rule("db", "tcp", Database.MariaDbPort, Database.MariaDbPort, "sg:app"));
        expected.Add(new Rule("db", "tcp", Database.MariaDbPort, Database.MariaDbPort, "sg:bastion"));
        expected.Add(new Rule("db", "tcp", Database.MariaDbPort, Database.MariaDbPort, "sg:rotation"));
        // The interface endpoints, where the stage has them, take HTTPS from the whole VPC (Network says why).
        if (synthesised.Config.Network.InterfaceEndpoints)
        {
            expected.Add(new Rule("endpoints", "tcp", ApiFleet.HttpsPort, ApiFleet.HttpsPort, synthesised.Config.Network.VpcCidr));
        }

        Assert.Equal(Sorted(expected), Sorted(IngressRules(stage)));
    }

    [Fact]
    public void Dev_AllowsSshToTheBastionFromItsOneCidr_ProdFromNowhere()
    {
        var allowed = Assert.Single(stages.Dev.Config.Bastion.SshAllowList);
        Assert.Equal([new Rule("bastion", "tcp", 22, 22, allowed)], IngressRules("dev").Where(r => r.Group == "bastion"));
        Assert.Empty(stages.Prod.Config.Bastion.SshAllowList);
        Assert.DoesNotContain(IngressRules("prod"), r => r.Group == "bastion");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void NoIngress_IsOpenToTheInternet_ExceptTheAlbOnHttpAndHttps(string stage)
    {
        var open = IngressRules(stage).Where(r => r.Source is Anywhere or "::/0").ToList();

        Assert.All(open, r => Assert.Equal("alb", r.Group));
        Assert.Equal([80, 443], open.Select(r => r.From).Order());
        Assert.All(open, r => Assert.Equal(r.From, r.To));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LoadBalancer_SendsOnlyToTheAppOnTheAppPort(string stage)
    {
        var appPort = stages[stage].Config.Fleet.AppPort;
        var egress = EgressRules(stage).Where(r => r.Group == "alb").ToList();

        Assert.DoesNotContain(egress, r => r.Source is Anywhere or "::/0");
        // CDK keeps a match-nothing placeholder (ICMP 252/86 to 255.255.255.255/32) on a group with no inline egress.
        Assert.Equal([new Rule("alb", "tcp", appPort, appPort, "sg:app")], egress.Where(r => r.Source != "255.255.255.255/32"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AppHosts_SendOnlyHttpsOut_AndToTheDatabaseOnItsPort(string stage)
    {
        var egress = EgressRules(stage).Where(r => r.Group == "app").ToList();

        Assert.Equal(Sorted(
            [
                new Rule("app", "tcp", ApiFleet.HttpsPort, ApiFleet.HttpsPort, Anywhere),
                new Rule("app", "tcp", Database.MariaDbPort, Database.MariaDbPort, "sg:db"),
            ]), Sorted(egress));

        // The partner files go to S3 through the VPC's gateway endpoint, routed from the app tier's subnets.
        var endpoint = Assert.Single(stages[stage].Resources("AWS::EC2::VPCEndpoint"),
            e => e.Properties.GetProperty("VpcEndpointType").GetString() == "Gateway").Properties;
        Assert.Contains(".s3", endpoint.GetProperty("ServiceName").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(stages[stage].Config.AvailabilityZones.Count, endpoint.GetProperty("RouteTableIds").GetArrayLength());
    }

    [Fact]
    public void InterfaceEndpoints_SendNothing()
    {
        Assert.Contains(IngressRules("prod"), r => r.Group == "endpoints");
        Assert.Equal(["endpoints icmp 252-86 from 255.255.255.255/32"], Sorted(EgressRules("prod").Where(r => r.Group == "endpoints")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RotationFunctions_ReachOnlyTheDatabaseOnItsPort_AndHttps(string stage)
    {
        Assert.Equal(Sorted(
            [
                new Rule("rotation", "tcp", ApiFleet.HttpsPort, ApiFleet.HttpsPort, Anywhere),
                new Rule("rotation", "tcp", Database.MariaDbPort, Database.MariaDbPort, "sg:db"),
            ]), Sorted(EgressRules(stage).Where(r => r.Group == "rotation")));
        Assert.DoesNotContain(IngressRules(stage), r => r.Group == "rotation");
    }

    private List<Rule> IngressRules(string stage) => Rules(stage, "SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupId");

    private List<Rule> EgressRules(string stage) => Rules(stage, "SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId");

    /// <summary>Inline rules of every security group plus the standalone rule resources, with groups named by role.</summary>
    private List<Rule> Rules(string stage, string inlineProperty, string resourceType, string peerGroupProperty)
    {
        var synthesised = stages[stage];
        var roles = Roles(synthesised);
        string Name(string logicalId) => roles.GetValueOrDefault(logicalId, "unknown:" + logicalId);

        var rules = new List<Rule>();
        foreach (var (id, group) in synthesised.Resources("AWS::EC2::SecurityGroup"))
        {
            if (group.TryGetProperty(inlineProperty, out var inline))
            {
                rules.AddRange(inline.EnumerateArray().Select(r => ToRule(Name(id), r, peerGroupProperty, Name)));
            }
        }

        rules.AddRange(synthesised.Resources(resourceType)
            .Select(r => ToRule(Name(LogicalId(r.Properties.GetProperty("GroupId"))), r.Properties, peerGroupProperty, Name)));
        return rules;
    }

    private static Rule ToRule(string group, JsonElement rule, string peerGroupProperty, Func<string, string> name)
    {
        var source =
            rule.TryGetProperty("CidrIp", out var cidr) ? cidr.GetString()!
            : rule.TryGetProperty("CidrIpv6", out var cidr6) ? cidr6.GetString()!
            : rule.TryGetProperty(peerGroupProperty, out var peer) ? "sg:" + name(LogicalId(peer))
            : rule.TryGetProperty("SourcePrefixListId", out var prefixList) ? "pl:" + prefixList
            : rule.TryGetProperty("DestinationPrefixListId", out var destinationList) ? "pl:" + destinationList
            : "?" + rule.GetRawText();
        return new Rule(group, rule.GetProperty("IpProtocol").GetString()!, Port(rule, "FromPort"), Port(rule, "ToPort"), source);
    }

    /// <summary>
    /// Each security group's role, found through what uses it (the ALB, the launch template, the bastion instance,
    /// the database), not through generated logical ids.
    /// </summary>
    private static Dictionary<string, string> Roles(SynthesisedStage synthesised)
    {
        var roles = new Dictionary<string, string>();
        void Assign(string role, JsonElement groups)
        {
            foreach (var group in groups.EnumerateArray())
            {
                roles[LogicalId(group)] = role;
            }
        }

        foreach (var (_, alb) in synthesised.Resources("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        {
            Assign("alb", alb.GetProperty("SecurityGroups"));
        }

        foreach (var (_, template) in synthesised.Resources("AWS::EC2::LaunchTemplate"))
        {
            var data = template.GetProperty("LaunchTemplateData");
            if (data.TryGetProperty("SecurityGroupIds", out var ids))
            {
                Assign("app", ids);
            }

            if (data.TryGetProperty("NetworkInterfaces", out var nics))
            {
                foreach (var nic in nics.EnumerateArray())
                {
                    Assign("app", nic.GetProperty("Groups"));
                }
            }
        }

        foreach (var (_, instance) in synthesised.Resources("AWS::EC2::Instance"))
        {
            Assign("bastion", instance.GetProperty("SecurityGroupIds"));
        }

        foreach (var (_, db) in synthesised.Resources("AWS::RDS::DBInstance"))
        {
            Assign("db", db.GetProperty("VPCSecurityGroups"));
        }

        foreach (var (_, endpoint) in synthesised.Resources("AWS::EC2::VPCEndpoint"))
        {
            if (endpoint.TryGetProperty("SecurityGroupIds", out var groups))
            {
                Assign("endpoints", groups);
            }
        }

        // The hosted rotation functions' group, one reference in a comma-separated property.
        foreach (var (_, schedule) in synthesised.Resources("AWS::SecretsManager::RotationSchedule"))
        {
            roles[LogicalId(schedule.GetProperty("HostedRotationLambda").GetProperty("VpcSecurityGroupIds"))] = "rotation";
        }

        return roles;
    }

    private static string LogicalId(JsonElement reference) =>
        reference.TryGetProperty("Fn::GetAtt", out var getAtt) ? getAtt[0].GetString()! : reference.GetProperty("Ref").GetString()!;

    private static int Port(JsonElement rule, string property) => rule.TryGetProperty(property, out var port) ? port.GetInt32() : -1;

    private static List<string> Sorted(IEnumerable<Rule> rules) => rules.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();

    private sealed record Rule(string Group, string Protocol, int From, int To, string Source)
    {
        public override string ToString() =>
            $"{Group} {Protocol} {From.ToString(CultureInfo.InvariantCulture)}-{To.ToString(CultureInfo.InvariantCulture)} from {Source}";
    }
}
