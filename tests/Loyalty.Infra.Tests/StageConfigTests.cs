using System.Text.Json.Nodes;

namespace Loyalty.Infra.Tests;

/// <summary>A bad stage file fails synth with a message naming the file and the field.</summary>
public sealed class StageConfigTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void TheStageFiles_Load(string stage)
    {
        var config = StageLoader.Load(RepositoryRoot.Path, stage);
        Assert.Equal(stage, config.Name);
        Assert.Equal(3, config.AvailabilityZones.Count);
    }

    [Fact]
    public void Defaults_FollowTheSeeds()
    {
        var dev = StageLoader.Load(RepositoryRoot.Path, "dev");
        Assert.Equal((70d, 30d, 4, 5, 60, 300), (dev.Scaling.ScaleOutCpuPercent, dev.Scaling.ScaleInCpuPercent,
            dev.Scaling.DatapointsToAlarm, dev.Scaling.EvaluationPeriods, dev.Scaling.PeriodSeconds, dev.Scaling.CooldownSeconds));
        Assert.Equal((1, 3), (dev.Fleet.MinSize, dev.Fleet.MaxSize));
        Assert.Equal(1, dev.Network.NatGateways);
        Assert.Equal(3, StageLoader.Load(RepositoryRoot.Path, "prod").Network.NatGateways);
    }

    [Theory]
    [InlineData("network.vpcCidr", "\"10.20.0.0/33\"", "network.vpcCidr: '10.20.0.0/33' is not an IPv4 CIDR")]
    [InlineData("network.vpcCidr", "\"10.20.0.1/16\"", "network.vpcCidr: '10.20.0.1/16' is not an IPv4 CIDR")]
    [InlineData("fleet.minSize", "4", "fleet.minSize: 4 must be at least 1 and not above fleet.maxSize (3)")]
    [InlineData("fleet.desiredCapacity", "5", "fleet.desiredCapacity: 5 is outside fleet.minSize-fleet.maxSize (1-3)")]
    [InlineData("fleet.desiredCapacity", "3", "fleet.desiredCapacity: 3 must be below fleet.maxSize (3) so a rolling update has room")]
    [InlineData("availabilityZones", "[\"eu-west-1a\", \"eu-west-1b\", \"us-east-1c\"]", "availabilityZones: 'us-east-1c' is not a zone of region eu-west-1")]
    [InlineData("availabilityZones", "[\"eu-west-1a\", \"eu-west-1b\"]", "availabilityZones: exactly three different zones are required")]
    [InlineData("scaling.scaleOutCpuPercent", "170", "scaling.scaleOutCpuPercent: 170 is outside 0-100")]
    [InlineData("scaling.scaleInCpuPercent", "-5", "scaling.scaleInCpuPercent: -5 is outside 0-100")]
    [InlineData("scaling.datapointsToAlarm", "6", "scaling.datapointsToAlarm: 6 must be 1 to scaling.evaluationPeriods (5)")]
    [InlineData("bastion.sshAllowList", "[\"0.0.0.0/0\"]", "bastion.sshAllowList: '0.0.0.0/0' opens SSH to the whole internet")]
    [InlineData("bastion.sshAllowList", "[\"not-a-cidr\"]", "bastion.sshAllowList: 'not-a-cidr' is not an IPv4 CIDR")]
    [InlineData("account", "\"12345\"", "account: '12345' is not a 12-digit AWS account id")]
    [InlineData("database.backupRetentionDays", "0", "database.backupRetentionDays: 0 is outside 1-35")]
    [InlineData("edge.certificateArn", "\"arn:aws:acm:us-east-1:111111111111:certificate/x\"", "edge.certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/x' is not an ACM certificate in eu-west-1")]
    [InlineData("identity.accessTokenMinutes", "120", "identity.accessTokenMinutes: 120 is outside 5-60")]
    [InlineData("identity.domainPrefix", "\"Loyalty_Dev\"", "identity.domainPrefix: 'Loyalty_Dev' is not a Cognito domain prefix")]
    [InlineData("banks", "[]", "banks: at least one bank is required")]
    [InlineData("banks", "[{\"code\":\"HARB\",\"queueReaderArn\":\"arn:aws:iam::310000000001:role/x\",\"scopes\":[\"accruals.admin\"],\"egressCidrs\":[\"192.0.2.0/28\"]}]", "banks[HARB].scopes: 'accruals.admin' is not one of")]
    [InlineData("banks", "[{\"code\":\"HARB\",\"queueReaderArn\":\"arn:aws:iam::310000000001:role/x\",\"scopes\":[],\"egressCidrs\":[]}]", "banks[HARB].egressCidrs: at least one range is required")]
    [InlineData("banks", "[{\"code\":\"HARB\",\"queueReaderArn\":\"arn:aws:iam::310000000001:role/x\",\"scopes\":[],\"egressCidrs\":[\"0.0.0.0/0\"]}]", "banks[HARB].egressCidrs: '0.0.0.0/0' is not an IPv4 CIDR of /16 or narrower")]
    [InlineData("banks", "[{\"code\":\"HARB\",\"queueReaderArn\":\"arn:aws:iam::310000000001:role/x\",\"scopes\":[],\"egressCidrs\":[\"192.0.2.1/28\"]}]", "banks[HARB].egressCidrs: '192.0.2.1/28' is not an IPv4 CIDR")]
    [InlineData("messaging.expireAfterDays", "20", "messaging.expireAfterDays: 20 must be after messaging.infrequentAccessAfterDays (30, at least 30)")]
    [InlineData("observability.alarmEmail", "\"nobody\"", "observability.alarmEmail: 'nobody' is not an e-mail address")]
    [InlineData("observability.logRetentionDays", "7", "observability.logRetentionDays: 7 is below 30 days for the dev stage")]
    [InlineData("edge.wafRateLimitPer5Minutes", "10", "edge.wafRateLimitPer5Minutes: 10 is outside 100-2000000000")]
    public void ABadValue_FailsNamingTheFileAndTheField(string field, string value, string message)
    {
        var error = Assert.Throws<StageConfigException>(() => StageLoader.Parse(DevWith(field, value), "stages/dev.json", "dev"));
        Assert.StartsWith("stages/dev.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownField_IsRefused()
    {
        var error = Assert.Throws<StageConfigException>(() => StageLoader.Parse(DevWith("fleet.minsize", "1"), "stages/dev.json", "dev"));
        // (Names match exactly: minsize is not minSize.)
        Assert.Contains("stages/dev.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("minsize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingField_IsNamed()
    {
        var dev = JsonNode.Parse(DevJson(), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        dev["fleet"]!.AsObject().Remove("maxSize");
        var error = Assert.Throws<StageConfigException>(() => StageLoader.Parse(dev.ToJsonString(), "stages/dev.json", "dev"));
        Assert.Contains("stages/dev.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("maxSize", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnUnknownStage_IsRefused() =>
        Assert.Contains("Unknown stage 'staging'", Assert.Throws<StageConfigException>(() => StageLoader.Load(RepositoryRoot.Path, "staging")).Message,
            StringComparison.Ordinal);

    private static string DevJson() => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stages", "dev.json"));

    /// <summary>The real dev file with one field (dotted path) replaced by a JSON value.</summary>
    private static string DevWith(string field, string value)
    {
        var node = JsonNode.Parse(DevJson(), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        var parts = field.Split('.');
        var parent = parts[..^1].Aggregate(node, (n, p) => n[p]!);
        parent[parts[^1]] = JsonNode.Parse(value);
        return node.ToJsonString();
    }
}
