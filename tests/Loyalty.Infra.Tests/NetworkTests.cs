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
    [InlineData("dev")]
    [InlineData("prod")]
    public void AwsApis_AreReachedThroughInterfaceEndpointsInEachAppSubnet_WhereTheStageAsks(string stage)
    {
        var synthesised = stages[stage];
        var endpoints = synthesised.Resources("AWS::EC2::VPCEndpoint")
            .Where(e => e.Properties.GetProperty("VpcEndpointType").GetString() == "Interface")
            .ToList();
        if (!synthesised.Config.Network.InterfaceEndpoints)
        {
            Assert.Empty(endpoints);
            Assert.Equal("dev", stage);
            return;
        }

        Assert.Equal(Network.InterfaceEndpointServices.Order(StringComparer.Ordinal), endpoints.Select(e => ServiceOf(e.Properties)).Order(StringComparer.Ordinal));
        var appSubnets = synthesised.Resources("AWS::EC2::Subnet")
            .Where(s => Tag(s.Properties, "aws-cdk:subnet-name") == Network.AppTier)
            .Select(s => s.LogicalId)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(3, appSubnets.Count);
        var group = SynthesisedStage.RefOf(Assert.Single(endpoints[0].Properties.GetProperty("SecurityGroupIds").EnumerateArray()));
        foreach (var (_, endpoint) in endpoints)
        {
            Assert.True(endpoint.GetProperty("PrivateDnsEnabled").GetBoolean());
            Assert.Equal(appSubnets, endpoint.GetProperty("SubnetIds").EnumerateArray().Select(SynthesisedStage.RefOf).Order(StringComparer.Ordinal));
            Assert.Equal(group, SynthesisedStage.RefOf(Assert.Single(endpoint.GetProperty("SecurityGroupIds").EnumerateArray())));
        }
    }

    /// <summary>
    /// What the API hosts' role may call (its own statements and its two managed policies) has an endpoint: a grant
    /// added for a new service without one fails here.
    /// </summary>
    [Fact]
    public void Prod_HasAnEndpointForEveryServiceTheApiHostsMayCall()
    {
        var prod = stages.Prod;
        Assert.True(prod.Config.Network.InterfaceEndpoints);
        // What the managed policies let the hosts call (the SSM agent; the CloudWatch agent, which also reads its
        // configuration from Parameter Store and the instance's tags from EC2), as endpoint service names.
        var managedServices = new Dictionary<string, string[]>
        {
            ["AmazonSSMManagedInstanceCore"] = ["ssm", "ssmmessages", "ec2messages"],
            ["CloudWatchAgentServerPolicy"] = ["logs", "monitoring", "ssm", "ec2"],
        };
        var roleId = prod.LogicalIdAt("ApiFleet/InstanceRole/Resource");
        var managed = prod.Resource(roleId).GetProperty("Properties").GetProperty("ManagedPolicyArns").EnumerateArray()
            .Select(a => a.GetProperty("Fn::Join")[1].EnumerateArray().Last().GetString()!.Split('/')[^1]);
        var statements = prod.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => r.TryGetProperty("Ref", out var id) && id.GetString() == roleId))
            .SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray());
        var granted = statements
            .SelectMany(s => s.GetProperty("Action") is { ValueKind: JsonValueKind.Array } many ? many.EnumerateArray().Select(a => a.GetString()!) : [s.GetProperty("Action").GetString()!])
            .Select(action => action.Split(':')[0] switch { "cloudwatch" => "monitoring", var prefix => prefix })
            // S3 has the gateway endpoint; KMS is called by S3, SQS and Secrets Manager on the role's behalf.
            .Where(service => service is not ("s3" or "kms"));
        var needed = managed.SelectMany(name => managedServices.TryGetValue(name, out var services) ? services : [$"(unknown managed policy {name})"])
            .Concat(granted)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("sqs", needed);
        Assert.Empty(needed.Except(Network.InterfaceEndpointServices));
        Assert.Empty(Network.InterfaceEndpointServices.Except(needed));
        Assert.Contains(prod.Resources("AWS::EC2::VPCEndpoint"), e => e.Properties.GetProperty("VpcEndpointType").GetString() == "Gateway"
            && e.Properties.GetProperty("ServiceName").GetRawText().Contains(".s3", StringComparison.Ordinal));
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

    /// <summary>The short service name (ssm, sqs, ...) of an endpoint's <c>com.amazonaws.&lt;region&gt;.&lt;name&gt;</c>.</summary>
    private static string ServiceOf(JsonElement endpoint)
    {
        var name = endpoint.GetProperty("ServiceName");
        var text = name.ValueKind == JsonValueKind.String
            ? name.GetString()!
            : string.Concat(name.GetProperty("Fn::Join")[1].EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : "<region>"));
        return text.Split('.')[^1];
    }

    private static string Tag(JsonElement properties, string key) =>
        properties.GetProperty("Tags").EnumerateArray()
            .Where(t => t.GetProperty("Key").GetString() == key)
            .Select(t => t.GetProperty("Value").GetString()!)
            .SingleOrDefault() ?? "";
}
