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
/// gateways per the stage (one in dev, one per AZ in prod); every flow logged to an encrypted log group; S3 through a
/// gateway endpoint and, where the stage asks for them, the other AWS APIs the hosts call through interface endpoints.
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

        if (settings.InterfaceEndpoints)
        {
            // From the whole VPC, not group by group: a host that may call AWS APIs may already do so through the NAT,
            // so the endpoint adds a private path, not a reach. And private DNS sends every host to the endpoint the
            // moment it exists; a rule per group would leave hosts booting in the meantime unable to call at all.
            var endpointGroup = new SecurityGroup(this, "EndpointSecurityGroup", new SecurityGroupProps
            {
                Vpc = Vpc,
                Description = "Loyalty interface endpoints: HTTPS from the VPC",
                AllowAllOutbound = false,
            });
            endpointGroup.AddIngressRule(Peer.Ipv4(settings.VpcCidr), Port.Tcp(ApiFleet.HttpsPort), "HTTPS to AWS APIs from the VPC");
            foreach (var service in InterfaceEndpointServices)
            {
                // Private DNS: the SDKs, agents and the CLI reach the endpoint under the service's usual name.
                Vpc.AddInterfaceEndpoint($"{char.ToUpperInvariant(service[0])}{service[1..]}Endpoint", new InterfaceVpcEndpointOptions
                {
                    Service = new InterfaceVpcEndpointAwsService(service),
                    Subnets = new SubnetSelection { SubnetGroupName = AppTier },
                    SecurityGroups = [endpointGroup],
                    Open = false,
                    PrivateDnsEnabled = true,
                });
            }
        }

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

    /// <summary>
    /// The AWS APIs the hosts in the VPC call themselves, by endpoint service name: Parameter Store (settings, the
    /// database password's reference), Session Manager's two channels, Secrets Manager (boot, the rotation functions),
    /// SQS, CloudWatch Logs and metrics (the agent), Auto Scaling (the launch hook), CloudFormation (the rolling
    /// update's signal) and EC2 (the agent reads the instance's tags). Not KMS: S3, SQS and Secrets Manager call it on
    /// the hosts' behalf. Not Cognito: the token keys are public and fetched rarely, through the NAT.
    /// </summary>
    public static readonly IReadOnlyList<string> InterfaceEndpointServices =
        ["ssm", "ssmmessages", "ec2messages", "secretsmanager", "sqs", "logs", "monitoring", "autoscaling", "cloudformation", "ec2"];

    private static readonly (int Days, RetentionDays Value)[] Retentions =
    [
        (1, RetentionDays.ONE_DAY), (7, RetentionDays.ONE_WEEK), (14, RetentionDays.TWO_WEEKS), (30, RetentionDays.ONE_MONTH),
        (90, RetentionDays.THREE_MONTHS), (180, RetentionDays.SIX_MONTHS), (365, RetentionDays.ONE_YEAR),
        (731, RetentionDays.TWO_YEARS), (1827, RetentionDays.FIVE_YEARS), (3653, RetentionDays.TEN_YEARS),
    ];

    /// <summary>The shortest CloudWatch retention of at least <paramref name="days"/> days.</summary>
    internal static RetentionDays Retention(int days) => Retentions.First(r => r.Days >= days).Value;
}
