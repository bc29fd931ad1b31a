using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Loyalty.Core;
using BlockDevice = Amazon.CDK.AWS.EC2.BlockDevice;
using BlockDeviceVolume = Amazon.CDK.AWS.EC2.BlockDeviceVolume;
using EbsDeviceOptions = Amazon.CDK.AWS.EC2.EbsDeviceOptions;
using EbsDeviceVolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: fleet size, instance type, ports, scaling, edge.</param>
/// <param name="Vpc">The stage network.</param>
/// <param name="BastionSecurityGroup">The bastion, the only SSH source.</param>
/// <param name="ImageId">The golden AMI the instances boot.</param>
/// <param name="DatabaseSecret">The API's database credentials (a rows-only user) the boot step reads (never the values: the ARN).</param>
/// <param name="MigrationSecret">The master user's, which the boot step gives the migration step only.</param>
/// <param name="DatabaseKey">The key of both secrets, usable through Secrets Manager only.</param>
public sealed record ApiFleetProps
{
    public required StageConfig Stage { get; init; }

    public required IVpc Vpc { get; init; }

    public required ISecurityGroup BastionSecurityGroup { get; init; }

    public required string ImageId { get; init; }

    public required ISecret DatabaseSecret { get; init; }

    /// <summary>The name of <see cref="DatabaseSecret"/>: the API reads its password by it, again after each rotation.</summary>
    public required string DatabaseSecretName { get; init; }

    public required ISecret MigrationSecret { get; init; }

    public required IKey DatabaseKey { get; init; }
}

/// <summary>
/// The API's load balancer and auto-scaling fleet: an internet-facing ALB (HTTPS with the stage's certificate, HTTP
/// only redirected; access logs), a target group on the API's liveness (never the database: a failover must not evict
/// the fleet), a launch template (IMDSv2, encrypted gp3, SSM and
/// CloudWatch agent only) and an auto-scaling group in the private-app subnets that two CPU alarms grow and shrink
/// one instance at a time.
/// </summary>
public sealed class ApiFleet : Construct
{
    public const int HttpPort = 80;
    public const int HttpsPort = 443;
    public const int SshPort = 22;

    /// <summary>
    /// ELBSecurityPolicy-TLS13-1-2-2021-06: TLS 1.3 and 1.2 only, AWS's recommended policy. (TLS13_RES would emit the
    /// -Res- variant, which also drops the TLS 1.2 CBC suites some bank clients may still use.)
    /// </summary>
    public static readonly SslPolicy TlsPolicy = SslPolicy.RECOMMENDED_TLS;

    /// <summary>ALB log objects are never overwritten; a noncurrent version only exists after a deletion, kept this long to undo it.</summary>
    private const int NoncurrentLogVersionDays = 30;

    /// <summary>What the load balancer answers for a path it does not forward (ALB fixed responses cannot say problem+json).</summary>
    public static readonly string NotFoundBody =
        $$"""{"type":"{{ProblemTypes.NotFound}}","title":"Not Found","status":404,"detail":"The API is served under {{ApiPaths.V1}}/."}""";

    /// <summary>The path patterns the HTTPS listener forwards to the fleet: the API, and its reference where the stage publishes it.</summary>
    public static IEnumerable<string> ForwardedPaths(EdgeSettings edge) =>
        edge.PublicDocs ? [$"{ApiPaths.V1}/*", ApiPaths.Docs, $"{ApiPaths.Docs}/*", $"{ApiPaths.OpenApi}/*"] : [$"{ApiPaths.V1}/*"];

    /// <summary>
    /// The launch hook every new instance waits in, outside the target group, while it boots, runs the release's
    /// migrations and starts the API; it completes the hook itself once /health/ready answers.
    /// </summary>
    public const string LaunchHookName = "migrate-then-serve";

    /// <summary>The migrations' limit plus boot and start: past it the group abandons (terminates) the instance.</summary>
    public static readonly Duration LaunchTimeout = Duration.Minutes(MigrationLimits.Minutes + 5);

    /// <summary>How long a rollout waits for a new instance's signal: its launch, then its registration.</summary>
    public static readonly Duration SignalTimeout = Duration.Minutes(MigrationLimits.Minutes + 10);

    /// <param name="imageId">The golden AMI (<see cref="GoldenAmi.ImageId"/>): a new one rolls the fleet.</param>
    public ApiFleet(Construct scope, string id, ApiFleetProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var vpc = props.Vpc;
        var bastion = props.BastionSecurityGroup;
        var imageId = props.ImageId;
        var fleet = stage.Fleet;
        AppSecurityGroup = new SecurityGroup(this, "AppSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Loyalty API instances: app port from the ALB, SSH from the bastion",
            // Out only to what the hosts call: the database (the Database construct adds that rule when it admits
            // the group) and AWS APIs over HTTPS.
            AllowAllOutbound = false,
        });
        AppSecurityGroup.AddIngressRule(bastion, Port.Tcp(SshPort), "SSH from the bastion only");
        AppSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(HttpsPort),
            "AWS APIs (SSM, Secrets Manager, CloudWatch, SQS, Auto Scaling; S3 by its gateway endpoint) and Cognito's keys, over HTTPS");

        LoadBalancerSecurityGroup = new SecurityGroup(this, "LoadBalancerSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Loyalty API load balancer: HTTP and HTTPS from the internet",
            // Egress is added only towards the instances, on the app port, when the target group is attached.
            AllowAllOutbound = false,
        });
        LoadBalancerSecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(HttpsPort), "HTTPS from the internet");
        LoadBalancerSecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(HttpPort), "HTTP from the internet (redirected to HTTPS)");

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.PublicTier },
            SecurityGroup = LoadBalancerSecurityGroup,
            DropInvalidHeaderFields = true,
            DesyncMitigationMode = DesyncMitigationMode.DEFENSIVE,
        });
        // Written in both stages (CDK leaves it out when false), so the template says what dev chose.
        LoadBalancer.SetAttribute("deletion_protection.enabled", stage.Edge.AlbDeletionProtection ? "true" : "false");
        AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
        {
            // ALB log delivery only writes to SSE-S3 buckets; SSE-KMS is refused.
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            Versioned = true,
            LifecycleRules = [new LifecycleRule { NoncurrentVersionExpiration = Duration.Days(NoncurrentLogVersionDays) }],
            // No autoDeleteObjects in dev: its custom-resource Lambda runs on nodejs20.x in CDK 2.160 (cfn-lint E2533).
            // Deleting the dev stack therefore needs the log bucket emptied first.
            RemovalPolicy = StageResources.Removal(stage),
        });
        LoadBalancer.LogAccessLogs(AccessLogs, "alb");

        TargetGroup = new ApplicationTargetGroup(this, "TargetGroup", new ApplicationTargetGroupProps
        {
            Vpc = vpc,
            TargetType = TargetType.INSTANCE,
            Protocol = ApplicationProtocol.HTTP,
            Port = fleet.AppPort,
            DeregistrationDelay = Duration.Seconds(fleet.DeregistrationDelaySeconds),
            HealthCheck = new HealthCheck
            {
                Path = HealthPaths.Live,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

        HttpsListener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = HttpsPort,
            Protocol = ApplicationProtocol.HTTPS,
            Certificates = [ListenerCertificate.FromArn(stage.Edge.CertificateArn)],
            SslPolicy = TlsPolicy,
            // The ingress rules above are explicit; CDK's `open` would add its own copies.
            Open = false,
            // Only the API's own paths reach an instance; health checks, /instance and whatever a future route maps
            // elsewhere are answered here, with the 404 problem the API itself would give.
            DefaultAction = ListenerAction.FixedResponse(404, new FixedResponseOptions
            {
                ContentType = "application/json",
                MessageBody = NotFoundBody,
            }),
        });
        HttpsListener.AddTargetGroups("Api", new AddApplicationTargetGroupsProps
        {
            Priority = 10,
            Conditions = [ListenerCondition.PathPatterns([.. ForwardedPaths(stage.Edge)])],
            TargetGroups = [TargetGroup],
        });
        HttpListener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
        {
            Port = HttpPort,
            Protocol = ApplicationProtocol.HTTP,
            Open = false,
            DefaultAction = ListenerAction.Redirect(new RedirectOptions
            {
                Protocol = "HTTPS",
                Port = HttpsPort.ToString(CultureInfo.InvariantCulture),
                Permanent = true,
            }),
        });

        var role = InstanceRole = new Role(this, "InstanceRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = "Loyalty API instances: SSM Session Manager and the CloudWatch agent",
            ManagedPolicies =
            [
                ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
                ManagedPolicy.FromAwsManagedPolicyName("CloudWatchAgentServerPolicy"),
            ],
        });

        LaunchTemplate = new LaunchTemplate(this, "LaunchTemplate", new LaunchTemplateProps
        {
            MachineImage = MachineImage.GenericLinux(new Dictionary<string, string> { [stage.Region] = imageId }),
            UserData = UserData,
            InstanceType = new InstanceType(fleet.InstanceType),
            SecurityGroup = AppSecurityGroup,
            Role = role,
            AssociatePublicIpAddress = false,
            HttpEndpoint = true,
            HttpTokens = LaunchTemplateHttpTokens.REQUIRED,
            HttpPutResponseHopLimit = 1,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(fleet.RootVolumeGiB, new EbsDeviceOptions
                    {
                        Encrypted = true,
                        VolumeType = EbsDeviceVolumeType.GP3,
                        DeleteOnTermination = true,
                    }),
                },
            ],
        });

        AutoScalingGroup = new AutoScalingGroup(this, "AutoScalingGroup", new AutoScalingGroupProps
        {
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.AppTier },
            LaunchTemplate = LaunchTemplate,
            MinCapacity = fleet.MinSize,
            DesiredCapacity = fleet.DesiredCapacity,
            MaxCapacity = fleet.MaxSize,
            HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck.Elb(new ElbHealthCheckOptions
            {
                Grace = Duration.Seconds(fleet.HealthCheckGraceSeconds),
            }),
            // A new instance counts only once it signals, and it signals only after /health/ready answered (StartOnBoot).
            Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = SignalTimeout }),
            UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
            {
                // One new instance first, then one old one out: capacity never drops below desired.
                MaxBatchSize = 1,
                MinInstancesInService = fleet.DesiredCapacity,
                WaitOnResourceSignals = true,
                PauseTime = SignalTimeout,
            }),
        });
        // CDK warns that a desired capacity is re-applied by every deploy that updates the group, so a deploy during
        // a peak shrinks a scaled-out fleet back to the stage's count (the CPU alarm then grows it again).
        Annotations.Of(AutoScalingGroup).AcknowledgeWarning("@aws-cdk/aws-autoscaling:desiredCapacitySet",
            "The stage file sets the desired count on purpose; deploys reset a scaled-out fleet to it, so deploy outside peaks");
        AutoScalingGroup.AttachToApplicationTargetGroup(TargetGroup);
        // In the group's own definition, not a separate resource, so the first instances wait in it too. An instance
        // that never completes it (its migration failed) is abandoned and never registers: it takes no traffic.
        ((CfnAutoScalingGroup)AutoScalingGroup.Node.DefaultChild!).LifecycleHookSpecificationList = new[]
        {
            new CfnAutoScalingGroup.LifecycleHookSpecificationProperty
            {
                LifecycleHookName = LaunchHookName,
                LifecycleTransition = "autoscaling:EC2_INSTANCE_LAUNCHING",
                HeartbeatTimeout = LaunchTimeout.ToSeconds(),
                DefaultResult = "ABANDON",
            },
        };

        var scaling = stage.Scaling;
        ScaleOutPolicy = SimpleScaling("ScaleOut", +1, scaling);
        ScaleInPolicy = SimpleScaling("ScaleIn", -1, scaling);
        CpuHighAlarm = CpuAlarm("CpuHigh", scaling.ScaleOutCpuPercent, ComparisonOperator.GREATER_THAN_THRESHOLD, ScaleOutPolicy, scaling,
            $"Fleet CPU above {scaling.ScaleOutCpuPercent} % for {scaling.DatapointsToAlarm} of {scaling.EvaluationPeriods} periods: add one instance");
        CpuLowAlarm = CpuAlarm("CpuLow", scaling.ScaleInCpuPercent, ComparisonOperator.LESS_THAN_THRESHOLD, ScaleInPolicy, scaling,
            $"Fleet CPU below {scaling.ScaleInCpuPercent} % for {scaling.DatapointsToAlarm} of {scaling.EvaluationPeriods} periods: remove one instance");

        StartOnBoot(stage, props, StageResources.ApiSettingsPath(stage));
    }

    public SecurityGroup AppSecurityGroup { get; }

    /// <summary>What a new instance runs at first boot; <see cref="StartOnBoot"/> writes it.</summary>
    public UserData UserData { get; } = UserData.ForLinux();

    /// <summary>The instances' role: later constructs grant it exactly what the API needs of them.</summary>
    public Role InstanceRole { get; }

    public SecurityGroup LoadBalancerSecurityGroup { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationListener HttpsListener { get; }

    public ApplicationListener HttpListener { get; }

    public Bucket AccessLogs { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public LaunchTemplate LaunchTemplate { get; }

    public AutoScalingGroup AutoScalingGroup { get; }

    public CfnScalingPolicy ScaleOutPolicy { get; }

    public CfnScalingPolicy ScaleInPolicy { get; }

    public Alarm CpuHighAlarm { get; }

    public Alarm CpuLowAlarm { get; }

    /// <summary>
    /// First boot of an instance of the golden AMI: names the stage for the boot step (names and ARNs only, no
    /// secret), lets the role read the settings, starts the API and reports to CloudFormation whether /health/ready
    /// answered, so a rolling update moves on only with a serving instance and rolls back otherwise.
    /// </summary>
    private void StartOnBoot(StageConfig stage, ApiFleetProps props, string parameterPath)
    {
        var (databaseSecret, migrationSecret, databaseKey) = (props.DatabaseSecret, props.MigrationSecret, props.DatabaseKey);
        // Not databaseSecret.GrantRead: that also writes the role into the key's policy (policy LOY-IAM-5).
        var stack = Stack.Of(this);
        InstanceRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadDatabaseSecrets",
            Actions = ["secretsmanager:GetSecretValue"],
            Resources = [databaseSecret.SecretArn, migrationSecret.SecretArn],
        }));
        // The API reads its password again every Database:PasswordRefreshSeconds, through Parameter Store's reference.
        InstanceRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadDatabasePassword",
            Actions = ["ssm:GetParameter"],
            Resources = [$"arn:{stack.Partition}:ssm:{stack.Region}:{stack.Account}:parameter/aws/reference/secretsmanager/{props.DatabaseSecretName}"],
        }));
        InstanceRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DecryptDatabaseSecret",
            Actions = ["kms:Decrypt"],
            Resources = [databaseKey.KeyArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"secretsmanager.{stage.Region}.amazonaws.com" },
            },
        }));
        // Its own group's name only: CloudFormation names the group after the stack, and a reference to the group here
        // would make the role wait for the group, whose first instances need the role. The instance finds the name in
        // its tags (ec2:DescribeTags, which the CloudWatch agent's managed policy grants).
        InstanceRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CompleteOwnLaunch",
            Actions = ["autoscaling:CompleteLifecycleAction"],
            Resources = [$"arn:{stack.Partition}:autoscaling:{stack.Region}:{stack.Account}:autoScalingGroup:*:autoScalingGroupName/{stack.StackName}-*"],
        }));
        InstanceRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SignalRollingUpdates",
            Actions = ["cloudformation:SignalResource"],
            Resources = [stack.StackId],
        }));

        var port = stage.Fleet.AppPort.ToString(CultureInfo.InvariantCulture);
        // The boot step reads the secrets by their attachments' ARNs, not by name: the reference makes the fleet wait
        // until each secret also holds the database's host and port.
        UserData.AddCommands(
            "set -euo pipefail",
            "install -d -m 0750 /etc/loyalty",
            "umask 077",
            "cat > /etc/loyalty/stage.env <<'STAGE'",
            $"LOYALTY_STAGE={stage.Name}",
            $"AWS_REGION={stage.Region}",
            $"LOYALTY_PARAMETER_PATH={parameterPath}",
            $"LOYALTY_DB_SECRET_ARN={databaseSecret.SecretArn}",
            $"LOYALTY_DB_SECRET_NAME={props.DatabaseSecretName}",
            $"LOYALTY_MIGRATION_SECRET_ARN={migrationSecret.SecretArn}",
            $"LOYALTY_APP_PORT={port}",
            "STAGE",
            // The API's unit pulls in the settings step and the release's migration step before it starts.
            "systemctl enable --now loyalty-connections.timer loyalty-api.service",
            "imds=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)",
            "instance=$(curl -fsS -H \"X-aws-ec2-metadata-token: $imds\" http://169.254.169.254/latest/meta-data/instance-id)",
            $"group=$(aws ec2 describe-tags --region {stage.Region} --filters Name=resource-id,Values=$instance "
                + "Name=key,Values=aws:autoscaling:groupName --query 'Tags[0].Value' --output text)",
            $"launched() {{ aws autoscaling complete-lifecycle-action --region {stage.Region} --auto-scaling-group-name \"$group\" "
                + $"--lifecycle-hook-name {LaunchHookName} --instance-id \"$instance\" --lifecycle-action-result \"$1\"; }}",
            $"for _ in $(seq 1 {(LaunchTimeout.ToSeconds() / 4).ToString(CultureInfo.InvariantCulture)}); do",
            $"  if curl -fsS -o /dev/null http://127.0.0.1:{port}{HealthPaths.Ready}; then launched CONTINUE; exit 0; fi",
            "  systemctl is-failed --quiet loyalty-config.service loyalty-migrate.service loyalty-api.service && break",
            "  sleep 4",
            "done",
            $"echo 'the API did not answer {HealthPaths.Ready}: journalctl -u loyalty-config -u loyalty-migrate -u loyalty-api says why' >&2",
            "launched ABANDON",
            "exit 1");
        UserData.AddSignalOnExitCommand(AutoScalingGroup);
    }

    // CDK's L2 step scaling emits StepScaling; the seeds ask for one instance per alarm with a cooldown, which is
    // SimpleScaling, only available as the L1 resource.
    private CfnScalingPolicy SimpleScaling(string id, int adjustment, ScalingSettings scaling) =>
        new(this, id, new CfnScalingPolicyProps
        {
            AutoScalingGroupName = AutoScalingGroup.AutoScalingGroupName,
            PolicyType = "SimpleScaling",
            AdjustmentType = "ChangeInCapacity",
            ScalingAdjustment = adjustment,
            Cooldown = scaling.CooldownSeconds.ToString(CultureInfo.InvariantCulture),
        });

    private Alarm CpuAlarm(string id, double threshold, ComparisonOperator comparison, CfnScalingPolicy policy, ScalingSettings scaling, string description)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmDescription = description,
            Metric = new Metric(new MetricProps
            {
                Namespace = "AWS/EC2",
                MetricName = "CPUUtilization",
                DimensionsMap = new Dictionary<string, string> { ["AutoScalingGroupName"] = AutoScalingGroup.AutoScalingGroupName },
                Statistic = Stats.AVERAGE,
                Period = Duration.Seconds(scaling.PeriodSeconds),
            }),
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = scaling.EvaluationPeriods,
            DatapointsToAlarm = scaling.DatapointsToAlarm,
            // No data (a fleet still booting) must neither add nor remove instances.
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        // A scaling policy is not an IAlarmAction in CDK; its Ref is the policy ARN CloudWatch invokes.
        ((CfnAlarm)alarm.Node.DefaultChild!).AlarmActions = [policy.Ref]; // DefaultChild: an L2 Alarm always has its CfnAlarm.
        return alarm;
    }
}
