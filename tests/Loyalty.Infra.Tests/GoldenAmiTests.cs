using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>The golden AMI: an Image Builder image of Amazon Linux 2023 that installs the published bundle with install.sh.</summary>
[Collection(StagesSuite.Name)]
public sealed class GoldenAmiTests(Stages stages)
{
    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Recipe_StartsFromAmazonLinux2023_UpdatesIt_ThenInstallsTheApi_OnAnEncryptedDisk(string stage)
    {
        var recipe = Properties(stage, "GoldenAmi/Recipe");

        Assert.Contains(":aws:image/amazon-linux-2023-x86/x.x.x\"", recipe.GetProperty("ParentImage").GetRawText(), StringComparison.Ordinal);
        var components = recipe.GetProperty("Components").EnumerateArray().Select(c => c.GetProperty("ComponentArn")).ToList();
        Assert.Equal(2, components.Count);
        Assert.Contains("component/update-linux/x.x.x", components[0].GetRawText(), StringComparison.Ordinal);
        Assert.Equal(stages[stage].LogicalIdAt("GoldenAmi/Component"), SynthesisedStage.RefOf(components[1]));
        var disk = Assert.Single(recipe.GetProperty("BlockDeviceMappings").EnumerateArray()).GetProperty("Ebs");
        Assert.True(disk.GetProperty("Encrypted").GetBoolean());
        Assert.Equal("gp3", disk.GetProperty("VolumeType").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Component_DownloadsTheBundleAsset_RunsInstallSh_AndChecksTheUnit(string stage)
    {
        var data = Properties(stage, "GoldenAmi/Component").GetProperty("Data").GetRawText();

        Assert.Contains("action: S3Download", data, StringComparison.Ordinal);
        Assert.Contains("s3://cdk-", data, StringComparison.Ordinal);
        Assert.Contains("/deploy/install.sh", data, StringComparison.Ordinal);
        Assert.Contains("dnf install -y amazon-cloudwatch-agent aws-cfn-bootstrap", data, StringComparison.Ordinal);
        Assert.Contains("systemd-analyze verify /etc/systemd/system/loyalty-api.service", data, StringComparison.Ordinal);
        Assert.Contains("/etc/systemd/system/loyalty-migrate.service", data, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Component_BakesInTheRdsCertificateAuthorities_WhereTheBootStepPointsTheConnection(string stage)
    {
        var data = Properties(stage, "GoldenAmi/Component").GetProperty("Data").GetRawText();

        Assert.Contains($"curl -fsS --proto =https --tlsv1.2 -o {GoldenAmi.RdsCaBundle} {GoldenAmi.RdsCaBundleUrl}", data, StringComparison.Ordinal);
        Assert.Contains($"chmod 0644 {GoldenAmi.RdsCaBundle}", data, StringComparison.Ordinal); // the service user reads it
        Assert.Contains($"-certfile {GoldenAmi.RdsCaBundle} | openssl pkcs7 -print_certs -noout | grep -q 'Amazon RDS'", data, StringComparison.Ordinal);
        var script = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "app", "deploy", "loyalty-env.py"));
        Assert.Contains($"RDS_CA_BUNDLE = \"{GoldenAmi.RdsCaBundle}\"", script, StringComparison.Ordinal);
        Assert.Contains("SslMode=VerifyFull;SslCa={RDS_CA_BUNDLE}", script, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Builds_RunInAPrivateSubnet_WithImdsV2_AndTerminateOnFailure(string stage)
    {
        var infrastructure = Properties(stage, "GoldenAmi/Infrastructure");

        var subnet = SynthesisedStage.RefOf(infrastructure.GetProperty("SubnetId"));
        Assert.StartsWith("NetworkVpcprivateapp", subnet, StringComparison.Ordinal);
        Assert.Equal("required", infrastructure.GetProperty("InstanceMetadataOptions").GetProperty("HttpTokens").GetString());
        Assert.True(infrastructure.GetProperty("TerminateInstanceOnFailure").GetBoolean());
        Assert.Equal(stages[stage].Config.Fleet.InstanceType, Assert.Single(infrastructure.GetProperty("InstanceTypes").EnumerateArray()).GetString());
        var image = Properties(stage, "GoldenAmi/Image");
        Assert.True(image.GetProperty("ImageTestsConfiguration").GetProperty("ImageTestsEnabled").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void BuildRole_HasImageBuildersPoliciesAndReadsOnlyTheBundleObject(string stage)
    {
        var role = Properties(stage, "GoldenAmi/BuildRole/Resource");
        var managed = role.GetProperty("ManagedPolicyArns").EnumerateArray().Select(a => a.GetRawText()).ToList();
        Assert.Equal(2, managed.Count);
        Assert.Contains(managed, a => a.Contains("EC2InstanceProfileForImageBuilder", StringComparison.Ordinal));
        Assert.Contains(managed, a => a.Contains("AmazonSSMManagedInstanceCore", StringComparison.Ordinal));

        var statement = Assert.Single(Properties(stage, "GoldenAmi/BuildRole/DefaultPolicy/Resource")
            .GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("s3:GetObject", statement.GetProperty("Action").GetString());
        // One object: the asset's key (its content hash), not the bucket or a wildcard.
        var resource = statement.GetProperty("Resource").GetRawText();
        Assert.Contains(".gz\"", resource, StringComparison.Ordinal);
        Assert.DoesNotContain("*", resource, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewBundle_GivesNewImageBuilderNames_AndANewImage_WhileTheSameBundleKeepsThem()
    {
        var config = stages.Dev.Config;
        var other = Path.Combine(Path.GetTempPath(), $"loyalty-api-other-{Guid.NewGuid():N}.tar.gz");
        File.WriteAllBytes(other, [.. File.ReadAllBytes(ApiBundle.Path), 0]);
        try
        {
            var again = new GoldenAmiNames(SynthesisedStage.Synthesise(config, bundle: ApiBundle.Path));
            var changed = new GoldenAmiNames(SynthesisedStage.Synthesise(config, bundle: other));
            var original = new GoldenAmiNames(stages.Dev.Stack);

            Assert.Equal(original, again);
            Assert.NotEqual(original.Recipe, changed.Recipe);
            Assert.NotEqual(original.Component, changed.Component);
            Assert.StartsWith("loyalty-dev-api-", changed.Recipe, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(other);
        }
    }

    private JsonElement Properties(string stage, string path) =>
        stages[stage].Resource(stages[stage].LogicalIdAt(path)).GetProperty("Properties");

    private sealed record GoldenAmiNames(string Recipe, string Component)
    {
        public GoldenAmiNames(LoyaltyStack stack)
            : this(Ami(stack).Recipe.Name, Ami(stack).Component.Name)
        {
        }

        private static GoldenAmi Ami(LoyaltyStack stack) => (GoldenAmi)stack.Node.FindChild("GoldenAmi");
    }
}
