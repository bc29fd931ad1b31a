using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ImageBuilder;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class ComputePolicyTests
{
    [Fact]
    public void Cmp1And2_TemplateRequiringTokensWithEncryptedRoot_HasNoFinding()
    {
        var gate = new Gate();
        Template(gate, "Lt", "required", encrypted: true);

        Assert.Empty(gate.Findings(ComputeRules.Imdsv2.Id));
        Assert.Empty(gate.Findings(ComputeRules.EncryptedDisks.Id));
    }

    [Fact]
    public void Cmp1_TemplateWithOptionalTokens_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Template(gate, "Lt", "optional", encrypted: true);

        Gate.AssertFinding(gate.Errors(ComputeRules.Imdsv2.Id), ComputeRules.Imdsv2, "Gate-dev/Lt");
    }

    [Fact]
    public void Cmp1_InstanceWithoutTokensOrTemplate_Fails()
    {
        var gate = new Gate();
        _ = new CfnInstance(gate.Stack, "Host", new CfnInstanceProps { ImageId = "ami-12345678" });

        Gate.AssertFinding(gate.Errors(ComputeRules.Imdsv2.Id), ComputeRules.Imdsv2, "Gate-dev/Host");
    }

    [Fact]
    public void Cmp2_TemplateWithUnencryptedVolume_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Template(gate, "Lt", "required", encrypted: false);

        Gate.AssertFinding(gate.Errors(ComputeRules.EncryptedDisks.Id), ComputeRules.EncryptedDisks, "Gate-dev/Lt");
    }

    [Fact]
    public void Cmp2_InstanceWithoutExplicitRoot_Fails()
    {
        var gate = new Gate();
        _ = new CfnInstance(gate.Stack, "Host", new CfnInstanceProps { ImageId = "ami-12345678" });

        Gate.AssertFinding(gate.Errors(ComputeRules.EncryptedDisks.Id), ComputeRules.EncryptedDisks, "Gate-dev/Host");
    }

    [Fact]
    public void Cmp2_UnencryptedVolume_Fails()
    {
        var gate = new Gate();
        _ = new CfnVolume(gate.Stack, "Disk", new CfnVolumeProps { AvailabilityZone = "eu-west-2a", Size = 8 });

        Gate.AssertFinding(gate.Errors(ComputeRules.EncryptedDisks.Id), ComputeRules.EncryptedDisks, "Gate-dev/Disk");
    }

    private static void Template(Gate gate, string id, string tokens, bool encrypted) => _ = new CfnLaunchTemplate(gate.Stack, id, new CfnLaunchTemplateProps
    {
        LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty
        {
            MetadataOptions = new CfnLaunchTemplate.MetadataOptionsProperty { HttpTokens = tokens, HttpPutResponseHopLimit = 1 },
            BlockDeviceMappings = new object[]
            {
                new CfnLaunchTemplate.BlockDeviceMappingProperty
                {
                    DeviceName = "/dev/xvda",
                    Ebs = new CfnLaunchTemplate.EbsProperty { Encrypted = encrypted, VolumeSize = 8 },
                },
            },
        },
    });

    [Fact]
    public void Cmp3_GroupOnAGoldenAmiTemplateWithoutPublicIp_HasNoFinding()
    {
        var gate = new Gate();
        GoldenFleet(gate, golden: true, publicIp: false);

        Assert.Empty(gate.Findings(ComputeRules.GoldenAmiPrivateHosts.Id));
    }

    [Fact]
    public void Cmp3_TemplateWithALiteralAmiAndPublicIp_FailsWithPathAndFix()
    {
        var gate = new Gate();
        GoldenFleet(gate, golden: false, publicIp: true);

        var findings = gate.Errors(ComputeRules.GoldenAmiPrivateHosts.Id);

        Gate.AssertFinding(findings, ComputeRules.GoldenAmiPrivateHosts, "Gate-dev/AppTemplate");
        Assert.Contains(findings, f => f.Contains("AssociatePublicIpAddress true", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("not the ImageId of an AWS::ImageBuilder::Image", StringComparison.Ordinal));
    }

    private static void GoldenFleet(Gate gate, bool golden, bool publicIp)
    {
        var image = new CfnImage(gate.Stack, "Golden", new CfnImageProps
        {
            ImageRecipeArn = "arn:aws:imagebuilder:eu-west-2:111111111111:image-recipe/api/1.0.0",
            InfrastructureConfigurationArn = "arn:aws:imagebuilder:eu-west-2:111111111111:infrastructure-configuration/api",
        });
        var template = new CfnLaunchTemplate(gate.Stack, "AppTemplate", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty
            {
                ImageId = golden ? image.AttrImageId : "ami-12345678",
                NetworkInterfaces = new object[] { new CfnLaunchTemplate.NetworkInterfaceProperty { DeviceIndex = 0, AssociatePublicIpAddress = publicIp } },
            },
        });
        _ = new CfnAutoScalingGroup(gate.Stack, "Asg", new CfnAutoScalingGroupProps
        {
            MinSize = "1",
            MaxSize = "2",
            AvailabilityZones = [Gate.Region + "a"],
            LaunchTemplate = new CfnAutoScalingGroup.LaunchTemplateSpecificationProperty { LaunchTemplateId = template.Ref, Version = template.AttrLatestVersionNumber },
        });
    }
}
