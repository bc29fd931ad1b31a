using System.Text.Json;
using Amazon.CDK.Assertions;

namespace Loyalty.Infra.Tests;

[Collection(StagesSuite.Name)]
public sealed class NetworkTests(Stages stages)
{
    public static TheoryData<string> StageNames => new("dev", "prod");

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachZone_HasAPublicAPrivateAppAndAnIsolatedDbSubnet(string stage)
    {
        var synthesised = stages[stage];
        var subnets = synthesised.Resources("AWS::EC2::Subnet")
            .Select(s => (Zone: s.Properties.GetProperty("AvailabilityZone").GetString()!, Tier: Tag(s.Properties, "aws-cdk:subnet-name")))
            .ToList();

        Assert.Equal(9, subnets.Count);
        foreach (var zone in synthesised.Config.AvailabilityZones)
        {
            Assert.Equal(new[] { Network.AppTier, Network.DatabaseTier, Network.PublicTier }.Order(), subnets.Where(s => s.Zone == zone).Select(s => s.Tier).Order());
        }

        Assert.All(synthesised.Resources("AWS::EC2::Subnet"), s =>
            Assert.False(s.Properties.TryGetProperty("MapPublicIpOnLaunch", out var map) && map.GetBoolean()));
        synthesised.Template.HasResourceProperties("AWS::EC2::VPC", new Dictionary<string, object>
        {
            ["CidrBlock"] = synthesised.Config.Network.VpcCidr,
        });
    }

    [Theory]
    [InlineData("dev", 1)]
    [InlineData("prod", 3)]
    public void NatGateways_FollowTheStage(string stage, int expected)
    {
        stages[stage].Template.ResourceCountIs("AWS::EC2::NatGateway", expected);
        // Isolated subnets have no route out at all.
        var isolatedTables = stages[stage].Resources("AWS::EC2::RouteTable")
            .Count(t => Tag(t.Properties, "Name").Contains("isolated-db", StringComparison.Ordinal));
        Assert.Equal(3, isolatedTables);
    }

    [Fact]
    public void Prod_RoutesEachPrivateAppSubnetThroughItsOwnZonesNat()
    {
        var routes = stages.Prod.Resources("AWS::EC2::Route")
            .Where(r => r.Properties.TryGetProperty("NatGatewayId", out _))
            .Select(r => (Table: r.Properties.GetProperty("RouteTableId").GetProperty("Ref").GetString()!,
                Nat: r.Properties.GetProperty("NatGatewayId").GetProperty("Ref").GetString()!))
            .ToList();
        Assert.Equal(3, routes.Count);
        Assert.Equal(3, routes.Select(r => r.Nat).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EveryFlow_IsLoggedToAnEncryptedLogGroup(string stage)
    {
        var synthesised = stages[stage];
        synthesised.Template.HasResourceProperties("AWS::EC2::FlowLog", new Dictionary<string, object>
        {
            ["ResourceType"] = "VPC",
            ["TrafficType"] = "ALL",
            ["LogDestinationType"] = "cloud-watch-logs",
        });
        var logGroup = synthesised.Resources("AWS::Logs::LogGroup").Single(g => g.LogicalId.StartsWith("NetworkFlowLogs", StringComparison.Ordinal));
        Assert.True(logGroup.Properties.TryGetProperty("KmsKeyId", out _));
        Assert.True(logGroup.Properties.GetProperty("RetentionInDays").GetInt32() >= synthesised.Config.Network.FlowLogRetentionDays);
    }

    [Fact]
    public void TheBastion_IsASmallImdsV2HostInAPublicSubnet_WithAnEncryptedRootVolume()
    {
        foreach (var stage in new[] { "dev", "prod" })
        {
            var synthesised = stages[stage];
            var (_, host) = synthesised.Resources("AWS::EC2::Instance").Single();
            Assert.Equal(synthesised.Config.Bastion.InstanceType, host.GetProperty("InstanceType").GetString());
            var device = host.GetProperty("BlockDeviceMappings").EnumerateArray().Single();
            Assert.True(device.GetProperty("Ebs").GetProperty("Encrypted").GetBoolean());
            var subnet = host.GetProperty("SubnetId").GetProperty("Ref").GetString()!;
            Assert.StartsWith("NetworkVpcpublicSubnet", subnet, StringComparison.Ordinal);
            // IMDSv2 through the instance's launch template.
            synthesised.Template.HasResourceProperties("AWS::EC2::LaunchTemplate", Match.ObjectLike(new Dictionary<string, object>
            {
                ["LaunchTemplateData"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["MetadataOptions"] = Match.ObjectLike(new Dictionary<string, object> { ["HttpTokens"] = "required" }),
                }),
            }));
        }
    }

    [Fact]
    public void BastionHostId_IsAnOutput()
    {
        foreach (var stage in new[] { "dev", "prod" })
        {
            Assert.True(stages[stage].Json.GetProperty("Outputs").TryGetProperty("BastionInstanceId", out _));
        }
    }

    private static string Tag(JsonElement properties, string key) =>
        properties.GetProperty("Tags").EnumerateArray()
            .Where(t => t.GetProperty("Key").GetString() == key)
            .Select(t => t.GetProperty("Value").GetString()!)
            .SingleOrDefault() ?? "";
}
