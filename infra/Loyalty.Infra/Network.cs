using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: CIDR, AZs, NAT gateways, flow-log retention.</param>
/// <param name="LogKey">Encrypts the flow logs.</param>
public sealed record NetworkProps
{
    public required StageConfig Stage { get; init; }

    public required IKey LogKey { get; init; }
}

/// <summary>
/// The VPC over the stage's three named AZs: public, private-app and isolated-db subnets in each; NAT
/// gateways per the stage (one in dev, one per AZ in prod); every flow logged to an encrypted log group.
/// </summary>
public sealed class Network : Construct
{
    public const string PublicTier = "public";
    public const string AppTier = "private-app";
    public const string DatabaseTier = "isolated-db";

    public Network(Construct scope, string id, NetworkProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var logKey = props.LogKey;
        var settings = stage.Network;
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(settings.VpcCidr),
            AvailabilityZones = [.. stage.AvailabilityZones],
            NatGateways = settings.NatGateways,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = PublicTier, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = AppTier, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
                new SubnetConfiguration { Name = DatabaseTier, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 26 },
            ],
            // Restricting the default SG takes a CDK custom resource whose Lambda runs on nodejs20.x in CDK 2.160,
            // a runtime AWS no longer lets anyone create (cfn-lint E2533). Nothing here uses the default SG.
            RestrictDefaultSecurityGroup = false,
        });

        // Partner files (member data) between the app hosts and their bucket stay on AWS's network, not the NAT's.
        S3Endpoint = Vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.S3,
            Subnets = [new SubnetSelection { SubnetGroupName = AppTier }],
        });

        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            EncryptionKey = logKey,
            Retention = Retention(settings.FlowLogRetentionDays),
            RemovalPolicy = StageResources.Removal(stage),
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs),
            TrafficType = FlowLogTrafficType.ALL,
        });
    }

    public Vpc Vpc { get; }

    public GatewayVpcEndpoint S3Endpoint { get; }

    private static readonly (int Days, RetentionDays Value)[] Retentions =
    [
        (1, RetentionDays.ONE_DAY), (7, RetentionDays.ONE_WEEK), (14, RetentionDays.TWO_WEEKS), (30, RetentionDays.ONE_MONTH),
        (90, RetentionDays.THREE_MONTHS), (180, RetentionDays.SIX_MONTHS), (365, RetentionDays.ONE_YEAR),
        (731, RetentionDays.TWO_YEARS), (1827, RetentionDays.FIVE_YEARS), (3653, RetentionDays.TEN_YEARS),
    ];

    /// <summary>The shortest CloudWatch retention of at least <paramref name="days"/> days.</summary>
    internal static RetentionDays Retention(int days) => Retentions.First(r => r.Days >= days).Value;
}
