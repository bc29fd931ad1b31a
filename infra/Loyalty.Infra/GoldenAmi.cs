using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.ImageBuilder;
using Amazon.CDK.AWS.S3.Assets;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: its name, region and the fleet's instance type (the build runs on one).</param>
/// <param name="Vpc">The stage's network: builds run in a private-app subnet, out through its NAT.</param>
/// <param name="ApiBundle">The published bundle (make publish: artifacts/loyalty-api.tar.gz), shipped as a CDK asset.</param>
public sealed record GoldenAmiProps
{
    public required StageConfig Stage { get; init; }

    public required IVpc Vpc { get; init; }

    public required string ApiBundle { get; init; }
}

/// <summary>
/// The API's golden AMI: an EC2 Image Builder image of Amazon Linux 2023 with the published API installed by
/// app/deploy/install.sh (and the CloudWatch agent and cfn-signal it runs with). The bundle is a CDK asset, so its
/// content hash names the component, the recipe and the image: a new app version gives a new image, a new launch
/// template version and a rolling replacement of the fleet; an unchanged one changes nothing.
/// </summary>
public sealed class GoldenAmi : Construct
{
    /// <summary>AWS's own Amazon Linux 2023 image in Image Builder, newest version at each build.</summary>
    public const string ParentImage = "amazon-linux-2023-x86/x.x.x";

    /// <summary>Where the component unpacks the bundle on the build instance.</summary>
    private const string BuildDirectory = "/tmp/loyalty-api";

    public GoldenAmi(Construct scope, string id, GoldenAmiProps props) : base(scope, id)
    {
        var stage = props.Stage;
        var stack = Stack.Of(this);
        Bundle = new Asset(this, "Bundle", new AssetProps { Path = props.ApiBundle });
        // Image Builder names are unique per account and recipes are immutable: each bundle gets its own names.
        var name = $"loyalty-{stage.Name}-api-{Bundle.AssetHash[..12]}";

        var role = new Role(this, "BuildRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = "Loyalty image builds: Image Builder's instance profile, SSM, and the API bundle",
            ManagedPolicies =
            [
                ManagedPolicy.FromAwsManagedPolicyName("EC2InstanceProfileForImageBuilder"),
                ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
            ],
        });
        // The one object the build downloads (Asset.GrantRead would add s3:GetObject*, s3:List* on the whole bucket).
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadApiBundle",
            Actions = ["s3:GetObject"],
            Resources = [stack.FormatArn(new ArnComponents
            {
                Service = "s3", Region = "", Account = "", Resource = Bundle.S3BucketName, ResourceName = Bundle.S3ObjectKey,
            })],
        }));
        var profile = new CfnInstanceProfile(this, "BuildProfile", new CfnInstanceProfileProps { Roles = [role.RoleName] });

        // No ingress at all: Image Builder drives the instance through SSM.
        var buildGroup = new SecurityGroup(this, "BuildSecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = "Loyalty image builds: outbound only (packages, S3, Image Builder and SSM endpoints)",
            AllowAllOutbound = true,
        });

        var component = Component = new CfnComponent(this, "Component", new CfnComponentProps
        {
            Name = name,
            Version = "1.0.0",
            Platform = "Linux",
            Description = "Installs the Loyalty API bundle with app/deploy/install.sh",
            Data = ComponentDocument(Bundle.S3ObjectUrl),
        });

        Recipe = new CfnImageRecipe(this, "Recipe", new CfnImageRecipeProps
        {
            Name = name,
            Version = "1.0.0",
            Description = $"Loyalty API for {stage.Name} on Amazon Linux 2023",
            ParentImage = $"arn:{stack.Partition}:imagebuilder:{stage.Region}:aws:image/{ParentImage}",
            Components = new object[]
            {
                new CfnImageRecipe.ComponentConfigurationProperty
                {
                    ComponentArn = $"arn:{stack.Partition}:imagebuilder:{stage.Region}:aws:component/update-linux/x.x.x",
                },
                new CfnImageRecipe.ComponentConfigurationProperty { ComponentArn = component.AttrArn },
            },
            BlockDeviceMappings = new object[]
            {
                new CfnImageRecipe.InstanceBlockDeviceMappingProperty
                {
                    DeviceName = "/dev/xvda",
                    Ebs = new CfnImageRecipe.EbsInstanceBlockDeviceSpecificationProperty
                    {
                        Encrypted = true,
                        VolumeType = "gp3",
                        VolumeSize = stage.Fleet.RootVolumeGiB,
                        DeleteOnTermination = true,
                    },
                },
            },
        });

        var infrastructure = new CfnInfrastructureConfiguration(this, "Infrastructure", new CfnInfrastructureConfigurationProps
        {
            Name = $"loyalty-{stage.Name}-api-build",
            Description = $"Loyalty {stage.Name}: where the API's image is built and tested",
            InstanceProfileName = profile.Ref,
            InstanceTypes = [stage.Fleet.InstanceType],
            SubnetId = props.Vpc.SelectSubnets(new SubnetSelection { SubnetGroupName = Network.AppTier }).SubnetIds[0],
            SecurityGroupIds = [buildGroup.SecurityGroupId],
            TerminateInstanceOnFailure = true,
            InstanceMetadataOptions = new CfnInfrastructureConfiguration.InstanceMetadataOptionsProperty
            {
                HttpTokens = "required",
                HttpPutResponseHopLimit = 1,
            },
        });

        Image = new CfnImage(this, "Image", new CfnImageProps
        {
            ImageRecipeArn = Recipe.AttrArn,
            InfrastructureConfigurationArn = infrastructure.AttrArn,
            EnhancedImageMetadataEnabled = true,
            ImageTestsConfiguration = new CfnImage.ImageTestsConfigurationProperty { ImageTestsEnabled = true, TimeoutMinutes = 60 },
        });
    }

    public Asset Bundle { get; }

    public CfnComponent Component { get; }

    public CfnImageRecipe Recipe { get; }

    public CfnImage Image { get; }

    /// <summary>
    /// Where the image keeps RDS's certificate authorities (every region's), which the API's connection verifies the
    /// database's certificate against; the boot step (app/deploy/loyalty-env.py) names the same file.
    /// </summary>
    public const string RdsCaBundle = "/etc/pki/loyalty/rds-global-bundle.pem";

    /// <summary>AWS publishes the bundle here; new authorities appear in it before RDS uses them.</summary>
    public const string RdsCaBundleUrl = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

    /// <summary>The AMI id of the image: what the fleet's launch template runs.</summary>
    public string ImageId => Image.AttrImageId;

    /// <summary>
    /// The Image Builder component (AWSTOE YAML): packages the API runs with, the bundle from S3, install.sh; then a
    /// check that the unit is valid and the release is in place.
    /// </summary>
    private static string ComponentDocument(string bundleUrl) => $"""
        name: loyalty-api
        description: Installs the Loyalty API bundle
        schemaVersion: 1.0
        phases:
          - name: build
            steps:
              - name: Packages
                action: ExecuteBash
                inputs:
                  commands:
                    - dnf install -y amazon-cloudwatch-agent aws-cfn-bootstrap python3 iproute
              - name: RdsCertificateAuthorities
                action: ExecuteBash
                inputs:
                  commands:
                    - install -d -m 0755 {Path.GetDirectoryName(RdsCaBundle)}
                    - curl -fsS --proto =https --tlsv1.2 -o {RdsCaBundle} {RdsCaBundleUrl}
                    - chmod 0644 {RdsCaBundle}
              - name: Download
                action: S3Download
                inputs:
                  - source: {bundleUrl}
                    destination: {BuildDirectory}.tar.gz
              - name: Install
                action: ExecuteBash
                inputs:
                  commands:
                    - mkdir -p {BuildDirectory} && tar -xzf {BuildDirectory}.tar.gz -C {BuildDirectory} --strip-components=1
                    - {BuildDirectory}/deploy/install.sh
                    - rm -rf {BuildDirectory} {BuildDirectory}.tar.gz
          - name: validate
            steps:
              - name: Installed
                action: ExecuteBash
                inputs:
                  commands:
                    - test -x /opt/loyalty/current/app/Loyalty.Api
                    - id loyalty
                    - systemd-analyze verify /etc/systemd/system/loyalty-api.service /etc/systemd/system/loyalty-config.service /etc/systemd/system/loyalty-migrate.service
                    - openssl crl2pkcs7 -nocrl -certfile {RdsCaBundle} | openssl pkcs7 -print_certs -noout | grep -q 'Amazon RDS'
        """;
}
