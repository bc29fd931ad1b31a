using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class NetworkPolicyTests
{
    [Fact]
    public void Net1_VpcWithAllTrafficFlowLog_HasNoFinding()
    {
        var gate = new Gate();
        var vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 });
        vpc.AddFlowLog("FlowLog", new FlowLogOptions { TrafficType = FlowLogTrafficType.ALL });

        Assert.Empty(gate.Findings(NetworkRules.FlowLogs.Id));
    }

    [Fact]
    public void Net1_VpcWithoutFlowLog_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new CfnVPC(gate.Stack, "Vpc", new CfnVPCProps { CidrBlock = "10.9.0.0/16" });

        Gate.AssertFinding(gate.Errors(NetworkRules.FlowLogs.Id), NetworkRules.FlowLogs, "Gate-dev/Vpc");
    }

    [Fact]
    public void Net1_FlowLogOfRejectedTrafficOnly_Fails()
    {
        var gate = new Gate();
        var vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 });
        vpc.AddFlowLog("FlowLog", new FlowLogOptions { TrafficType = FlowLogTrafficType.REJECT });

        Gate.AssertFinding(gate.Errors(NetworkRules.FlowLogs.Id), NetworkRules.FlowLogs, "Gate-dev/Vpc/Resource");
    }

    [Fact]
    public void Net2_HttpsFromAnywhereOnTheAlbGroup_HasNoFinding()
    {
        var gate = new Gate();
        var group = AlbGroup(gate.Stack, "AlbSg", 443);
        _ = new CfnLoadBalancer(gate.Stack, "Alb", new CfnLoadBalancerProps { SecurityGroups = [group.AttrGroupId] });

        Assert.Empty(gate.Findings(NetworkRules.NoOpenIngress.Id));
    }

    [Fact]
    public void Net2_HttpsFromAnywhereOnAGroupNoAlbUses_Fails()
    {
        var gate = new Gate();
        AlbGroup(gate.Stack, "AppSg", 443);

        Gate.AssertFinding(gate.Errors(NetworkRules.NoOpenIngress.Id), NetworkRules.NoOpenIngress, "Gate-dev/AppSg");
    }

    [Fact]
    public void Net2_SshFromAnywhereEvenOnTheAlbGroup_Fails()
    {
        var gate = new Gate();
        var group = AlbGroup(gate.Stack, "AlbSg", 22);
        _ = new CfnLoadBalancer(gate.Stack, "Alb", new CfnLoadBalancerProps { SecurityGroups = [group.AttrGroupId] });

        Gate.AssertFinding(gate.Errors(NetworkRules.NoOpenIngress.Id), NetworkRules.NoOpenIngress, "Gate-dev/AlbSg");
    }

    [Fact]
    public void Net2_StandaloneIpv6IngressForAllProtocols_Fails()
    {
        var gate = new Gate();
        var group = new CfnSecurityGroup(gate.Stack, "Sg", new CfnSecurityGroupProps { GroupDescription = "test" });
        _ = new CfnSecurityGroupIngress(gate.Stack, "Open", new CfnSecurityGroupIngressProps
        {
            GroupId = group.AttrGroupId, IpProtocol = "-1", CidrIpv6 = "::/0",
        });

        Gate.AssertFinding(gate.Errors(NetworkRules.NoOpenIngress.Id), NetworkRules.NoOpenIngress, "Gate-dev/Open");
    }

    [Fact]
    public void Net3_SshFromTheAllowListAndFromTheBastion_HasNoFinding()
    {
        var gate = new Gate(sshAllowList: ["203.0.113.0/24"]);
        SshGroups(gate, bastionCidr: "203.0.113.0/24", appCidr: null);

        Assert.Empty(gate.Findings(NetworkRules.SshRestricted.Id));
    }

    [Fact]
    public void Net3_SshToTheAppFromACidr_FailsWithPathAndFix()
    {
        var gate = new Gate(sshAllowList: ["203.0.113.0/24"]);
        SshGroups(gate, bastionCidr: "203.0.113.0/24", appCidr: "10.0.0.0/8");

        var findings = gate.Errors(NetworkRules.SshRestricted.Id);

        Gate.AssertFinding(findings, NetworkRules.SshRestricted, "Gate-dev/AppSsh");
        Assert.Single(findings);
    }

    [Fact]
    public void Net3_BastionSshWithAnEmptyAllowList_Fails()
    {
        var gate = new Gate();
        SshGroups(gate, bastionCidr: "203.0.113.0/24", appCidr: null);

        Gate.AssertFinding(gate.Errors(NetworkRules.SshRestricted.Id), NetworkRules.SshRestricted, "Gate-dev/BastionSg");
    }

    [Fact]
    public void Net4_AppGroupWithHttpsAndTheDatabaseOnly_HasNoFinding()
    {
        var gate = new Gate();
        var vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 });
        var app = AppGroup(gate, vpc, allowAllOutbound: false);
        app.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "AWS APIs");
        var database = new SecurityGroup(gate.Stack, "DbSg", new SecurityGroupProps { Vpc = vpc, AllowAllOutbound = false });
        database.Connections.AllowFrom(app, Port.Tcp(3306), "MariaDB");

        Assert.Empty(gate.Findings(NetworkRules.AppEgressLimited.Id));
    }

    [Fact]
    public void Net4_AppGroupAllowingAllOutbound_Fails()
    {
        var gate = new Gate();
        AppGroup(gate, new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 }), allowAllOutbound: true);

        Gate.AssertFinding(gate.Errors(NetworkRules.AppEgressLimited.Id), NetworkRules.AppEgressLimited, "Gate-dev/AppSg/Resource");
    }

    [Fact]
    public void Net4_AppGroupListingNoEgress_FailsAsCloudFormationThenAllowsAll()
    {
        var gate = new Gate();
        var app = new CfnSecurityGroup(gate.Stack, "AppSg", new CfnSecurityGroupProps { GroupDescription = "app" });
        _ = new CfnLaunchTemplate(gate.Stack, "AppTemplate", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty { ImageId = "ami-12345678", SecurityGroupIds = [app.AttrGroupId] },
        });

        Gate.AssertFinding(gate.Errors(NetworkRules.AppEgressLimited.Id), NetworkRules.AppEgressLimited, "Gate-dev/AppSg");
    }

    [Fact]
    public void Net4_AppGroupWithEveryTcpPortToAnywhere_Fails()
    {
        var gate = new Gate();
        var app = AppGroup(gate, new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 }), allowAllOutbound: false);
        app.AddEgressRule(Peer.AnyIpv4(), Port.AllTcp(), "everything");

        Gate.AssertFinding(gate.Errors(NetworkRules.AppEgressLimited.Id), NetworkRules.AppEgressLimited, "Gate-dev/AppSg/Resource");
    }

    /// <summary>A security group a launch template puts on its instances.</summary>
    private static SecurityGroup AppGroup(Gate gate, Vpc vpc, bool allowAllOutbound)
    {
        var app = new SecurityGroup(gate.Stack, "AppSg", new SecurityGroupProps { Vpc = vpc, AllowAllOutbound = allowAllOutbound });
        _ = new LaunchTemplate(gate.Stack, "AppTemplate", new LaunchTemplateProps
        {
            MachineImage = MachineImage.GenericLinux(new Dictionary<string, string> { [Gate.Region] = "ami-12345678" }),
            SecurityGroup = app,
        });
        return app;
    }

    private static void SshGroups(Gate gate, string bastionCidr, string? appCidr)
    {
        var bastion = new CfnSecurityGroup(gate.Stack, "BastionSg", new CfnSecurityGroupProps
        {
            GroupDescription = "bastion",
            SecurityGroupIngress = new object[] { new CfnSecurityGroup.IngressProperty { IpProtocol = "tcp", FromPort = 22, ToPort = 22, CidrIp = bastionCidr } },
        });
        _ = new CfnInstance(gate.Stack, "Bastion", new CfnInstanceProps { ImageId = "ami-12345678", SecurityGroupIds = [bastion.AttrGroupId] });
        var app = new CfnSecurityGroup(gate.Stack, "AppSg", new CfnSecurityGroupProps { GroupDescription = "app" });
        _ = new CfnLaunchTemplate(gate.Stack, "AppTemplate", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty { ImageId = "ami-12345678", SecurityGroupIds = [app.AttrGroupId] },
        });
        _ = new CfnSecurityGroupIngress(gate.Stack, "AppSsh", new CfnSecurityGroupIngressProps
        {
            GroupId = app.AttrGroupId, IpProtocol = "tcp", FromPort = 22, ToPort = 22,
            SourceSecurityGroupId = appCidr is null ? bastion.AttrGroupId : null, CidrIp = appCidr,
        });
    }

    private static CfnSecurityGroup AlbGroup(Stack stack, string id, int port) => new(stack, id, new CfnSecurityGroupProps
    {
        GroupDescription = "test",
        SecurityGroupIngress = new object[] { new CfnSecurityGroup.IngressProperty { IpProtocol = "tcp", FromPort = port, ToPort = port, CidrIp = "0.0.0.0/0" } },
    });
}
