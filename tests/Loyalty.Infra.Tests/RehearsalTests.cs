using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Loyalty.Infra.Tests;

/// <summary>
/// The deploy rehearsal (infra/rehearsal) of each stage end to end: synth with the policy gate, cfn-lint, a create
/// through CloudFormation into a fresh moto of the stage's account, the audit of every resource through its own
/// service, and an update of the fleet's max size seen through Auto Scaling.
/// </summary>
[Collection(StagesSuite.Name)]
public sealed partial class RehearsalTests(Stages stages, ITestOutputHelper output)
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Rehearsal_DeploysEveryResourceItCan_AuditsEachThroughItsService_AndAppliesAnUpdate(string stage)
    {
        var (exitCode, stdout, report) = await RehearseAsync(stage);
        var resources = report.GetProperty("resources").EnumerateArray().ToList();
        var summary = report.GetProperty("summary").GetString()!;

        Assert.True(exitCode == 0, $"rehearsal {stage} exited {exitCode}:\n{stdout}");
        Assert.Equal(summary, stdout.TrimEnd().Split('\n')[^1]);
        var counts = SummaryLine().Match(summary);
        Assert.True(counts.Success, summary);
        foreach (var status in new[] { "created", "partial", "not emulated", "stubbed" })
        {
            Assert.Equal(int.Parse(counts.Groups[status.Replace(' ', '_')].Value, System.Globalization.CultureInfo.InvariantCulture),
                resources.Count(r => Status(r) == status));
        }

        // Every logical resource of the real template is accounted for, once.
        var template = stages[stage].Json.GetProperty("Resources").EnumerateObject().Select(r => r.Name).Order();
        Assert.Equal(template, resources.Select(r => r.GetProperty("logicalId").GetString()!).Order());
        Assert.DoesNotContain(resources, r => Status(r) == "FAILED");
        output.WriteLine($"{summary} in {report.GetProperty("seconds").GetDouble()} s");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Rehearsal_ChecksTheKeyPropertiesOfWhatItCreated_AgainstTheServices(string stage)
    {
        var (_, _, report) = await RehearseAsync(stage);
        var resources = report.GetProperty("resources").EnumerateArray().ToList();
        var config = stages[stage].Config;

        // A created resource was compared with the template, not merely found (an internet gateway has nothing to compare).
        Assert.All(resources.Where(r => Status(r) == "created" && Type(r) != "AWS::EC2::InternetGateway"),
            r => Assert.True(Checked(r).Count > 0, $"{r.GetProperty("logicalId")} was created but nothing was checked"));
        Assert.Empty(resources.Where(r => r.GetProperty("unchecked").GetArrayLength() > 0).Select(r => $"{r.GetProperty("logicalId")}: {r.GetProperty("unchecked")}"));

        var database = Assert.Single(OfType(resources, "AWS::RDS::DBInstance"));
        Assert.Subset(Checked(database), new HashSet<string> { "Engine", "EngineVersion", "StorageEncrypted", "KmsKeyId", "MultiAZ", "DBSubnetGroupName", "VPCSecurityGroups" });
        var group = Assert.Single(OfType(resources, "AWS::AutoScaling::AutoScalingGroup"));
        Assert.Subset(Checked(group), new HashSet<string> { "MinSize", "MaxSize", "DesiredCapacity", "VPCZoneIdentifier", "AvailabilityZones", "TargetGroupARNs" });
        Assert.Contains(OfType(resources, "AWS::EC2::LaunchTemplate"), t => Checked(t).Contains("MetadataOptions.HttpTokens (IMDSv2)"));
        Assert.Contains(OfType(resources, "AWS::ElasticLoadBalancingV2::Listener"), l => Checked(l).Contains("SslPolicy") && Checked(l).Contains("Certificates"));
        Assert.Contains("HealthCheckPath", Checked(Assert.Single(OfType(resources, "AWS::ElasticLoadBalancingV2::TargetGroup"))));
        Assert.NotEmpty(OfType(resources, "AWS::KMS::Key"));
        Assert.All(OfType(resources, "AWS::KMS::Key"), k => Assert.Contains("EnableKeyRotation", Checked(k)));
        Assert.Equal(3 * config.AvailabilityZones.Count, OfType(resources, "AWS::EC2::Subnet").Count());
        Assert.All(OfType(resources, "AWS::EC2::Subnet"), s => Assert.Subset(Checked(s), new HashSet<string> { "AvailabilityZone", "CidrBlock" }));
        Assert.Equal(config.Network.NatGateways, OfType(resources, "AWS::EC2::NatGateway").Count(n => Status(n) == "created"));
        var fifo = OfType(resources, "AWS::SQS::Queue").Where(q => Checked(q).Contains("FifoQueue")).ToList();
        Assert.Equal(2 * config.Banks.Count, fifo.Count);
        Assert.Equal(config.Banks.Count + 1, OfType(resources, "AWS::SQS::Queue").Count(q => Checked(q).Contains("RedrivePolicy.deadLetterTargetArn")));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Rehearsal_UpdatesTheStackFromAScratchStageFile_AndPutsBackWhatTheEmulatorDropsOutsideCloudFormation(string stage)
    {
        var (_, _, report) = await RehearseAsync(stage);
        var config = stages[stage].Config;

        var update = report.GetProperty("update");
        Assert.Equal("fleet.maxSize", update.GetProperty("field").GetString());
        Assert.Equal(config.Fleet.MaxSize, update.GetProperty("from").GetInt32());
        Assert.Equal(config.Fleet.MaxSize + 1, update.GetProperty("seen").GetInt32());
        // Passed to create_stack from the cloud assembly, as cdk deploy does (moto echoes it back, so it is not audited).
        Assert.Equal(config.IsProduction, report.GetProperty("stackSettings").GetProperty("terminationProtection").GetBoolean());

        var applied = Assert.Single(report.GetProperty("appliedOutsideCloudFormation").EnumerateArray()).GetString()!;
        Assert.Contains($"NotificationConfiguration (1 queue notification(s)) on bucket loyalty-{stage}-partner-files-{config.Account}", applied, StringComparison.Ordinal);

        // Each stubbed resource stood in for real users of the template: the manifest names them.
        var manifest = report.GetProperty("manifest").EnumerateArray().ToList();
        var logicalIds = stages[stage].Json.GetProperty("Resources").EnumerateObject().Select(r => r.Name).Append("Outputs").ToHashSet();
        var stubbed = manifest.Where(c => c.GetProperty("kind").GetString() == "stubbed").ToList();
        Assert.NotEmpty(stubbed);
        Assert.All(stubbed, c => Assert.Subset(logicalIds,
            c.GetProperty("detail").GetString()!.Split("stand-in values for ")[1].Split(", ").ToHashSet()));
        Assert.Equal(config.Account, Regex.Match(report.GetProperty("outputs").GetProperty("PartnerFilesBucket").GetString()!, @"\d{12}$").Value);
    }

    private static readonly Dictionary<string, Lazy<Task<(int, string, JsonElement)>>> Runs = new()
    {
        ["dev"] = new(() => RunAsync("dev")),
        ["prod"] = new(() => RunAsync("prod")),
    };

    /// <summary>Each stage is rehearsed once per test run; its tests read the one report.</summary>
    private static Task<(int ExitCode, string Output, JsonElement Report)> RehearseAsync(string stage) => Runs[stage].Value;

    private static async Task<(int, string, JsonElement)> RunAsync(string stage)
    {
        var report = Path.Combine(Path.GetTempPath(), $"loyalty-rehearsal-{stage}-{Guid.NewGuid():N}.json");
        // Past the limit the runner kills it with its children: the moto server it started goes with it.
        var run = await Processes.RunAsync("python3", ["-m", "rehearsal", "--stage", stage, "--bundle", ApiBundle.Path, "--report", report],
            new Dictionary<string, string> { ["PYTHONPATH"] = Path.Combine(RepositoryRoot.Path, "infra") }, TimeSpan.FromMinutes(8));
        if (!File.Exists(report))
        {
            throw new InvalidOperationException($"the rehearsal of {stage} wrote no report ({run.ExitCode}):\n{run.Error}\n{run.Output}");
        }

        var json = JsonDocument.Parse(await File.ReadAllTextAsync(report)).RootElement.Clone();
        File.Delete(report);
        return (run.ExitCode, run.ExitCode == 0 ? run.Output : $"{run.Output}\n{run.Error}", json);
    }

    private static string Status(JsonElement resource) => resource.GetProperty("status").GetString()!;

    private static string Type(JsonElement resource) => resource.GetProperty("type").GetString()!;

    private static HashSet<string> Checked(JsonElement resource) =>
        [.. resource.GetProperty("checked").EnumerateArray().Select(c => c.GetString()!)];

    private static IEnumerable<JsonElement> OfType(IEnumerable<JsonElement> resources, string type) => resources.Where(r => Type(r) == type);

    [GeneratedRegex(@"^rehearsal (dev|prod): (?<created>\d+) created, (?<partial>\d+) partial, (?<not_emulated>\d+) not emulated, (?<stubbed>\d+) stubbed$")]
    private static partial Regex SummaryLine();
}
