using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: instance class, storage, Multi-AZ, backups, deletion protection.</param>
/// <param name="Vpc">The stage network; the database sits in the isolated subnets.</param>
/// <param name="Clients">The security groups admitted to the database port from the start; <see cref="Database.Admit"/> adds more.</param>
public sealed record DatabaseProps
{
    public required StageConfig Stage { get; init; }

    public required IVpc Vpc { get; init; }

    public required IReadOnlyList<ISecurityGroup> Clients { get; init; }
}

/// <summary>
/// The API's RDS for MariaDB 10.11 database: in the isolated-db subnets, reachable on the MariaDB port only
/// from the client security groups; storage, secret, Performance Insights and logs under one customer key;
/// TLS required by the parameter group; credentials generated into Secrets Manager; backups, deletion
/// protection and multi-AZ from the stage; a snapshot (and the key) kept when prod is deleted.
/// </summary>
public sealed class Database : Construct
{
    public const int MariaDbPort = 3306;

    /// <summary>The schema the API migrates, created with the instance (scripts/mariadb.sh uses the same name locally).</summary>
    public const string DatabaseName = "loyalty";

    /// <summary>Not admin or root (policy LOY-DB-4); at most 16 characters (RDS for MariaDB).</summary>
    public const string MasterUsername = "loyalty_admin";

    /// <summary>The API's own user: rows only, made by the migration step with the master user (never the API).</summary>
    public const string AppUsername = "loyalty_app";

    /// <summary>The logs RDS publishes to CloudWatch; audit comes from the MARIADB_AUDIT_PLUGIN option.</summary>
    public static readonly IReadOnlyList<string> LogExports = ["error", "slowquery", "audit"];

    /// <summary>
    /// Logins, schema and privilege changes. Not QUERY/QUERY_DML: those would copy member data into the log
    /// and cost I/O on every write.
    /// </summary>
    public const string AuditEvents = "CONNECT,QUERY_DDL,QUERY_DCL";

    // RDS for MariaDB has no Performance Insights on these classes (AWS "engine, Region, and instance class
    // support for Performance Insights"); asking for it there fails the deployment.
    private static readonly HashSet<string> ClassesWithoutPerformanceInsights =
        new(["t2.micro", "t2.small", "t3.micro", "t3.small", "t4g.micro", "t4g.small"], StringComparer.Ordinal);

    private static readonly string[] CfnLintIgnoredChecks = ["E3691"];

    /// <summary>How often Secrets Manager rotates each database password.</summary>
    public const int RotationDays = 30;

    /// <summary>
    /// The transform that builds a hosted rotation Lambda from AWS's templates. CDK 2.160 declares the 2020-07-23
    /// version, whose functions default to a Python AWS Lambda has retired; this one takes <see cref="RotationRuntime"/>.
    /// </summary>
    public const string RotationTransform = "AWS::SecretsManager-2024-09-16";

    private const string RetiredRotationTransform = "AWS::SecretsManager-2020-07-23";

    /// <summary>The rotation functions' runtime: a Python AWS Lambda supports, with the templates' binaries for it.</summary>
    public const string RotationRuntime = "python3.12";

    public Database(Construct scope, string id, DatabaseProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var vpc = props.Vpc;
        var clients = props.Clients;
        var settings = stage.Database;
        var engine = DatabaseInstanceEngine.MariaDb(new MariaDbInstanceEngineProps { Version = MariaDbEngineVersion.VER_10_11 });

        // Named, so the log groups below can exist (encrypted, with retention) before RDS first writes to them;
        // otherwise RDS creates them itself, unencrypted and kept forever. The price: CloudFormation cannot
        // replace a named instance, which for the ledger is a guard rather than a loss.
        var identifier = $"loyalty-{stage.Name}";
        var logGroupPrefix = $"/aws/rds/instance/{identifier}";

        // The prod snapshot taken on delete is encrypted with this key, which is kept with it.
        Key = StageResources.CustomerKey(this, "Key", stage, "database storage, credentials, Performance Insights and logs");
        // CloudWatch Logs encrypts the exported logs with this key, only for this instance's log groups.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal($"logs.{stage.Region}.amazonaws.com")],
            Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["kms:EncryptionContext:aws:logs:arn"] = Stack.Of(this).FormatArn(new ArnComponents
                    {
                        Service = "logs",
                        Resource = "log-group",
                        ResourceName = $"{logGroupPrefix}/*",
                        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                    }),
                },
            },
        }));

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = $"Loyalty database: MariaDB {MariaDbPort} from the app and bastion only",
            // A database opens no connections; CDK renders this as its "disallow all traffic" egress rule.
            AllowAllOutbound = false,
        });
        foreach (var client in clients)
        {
            Admit(client);
        }

        var parameters = new ParameterGroup(this, "Parameters", new ParameterGroupProps
        {
            Engine = engine,
            Description = $"Loyalty {stage.Name}: MariaDB 10.11 with TLS required",
            Parameters = new Dictionary<string, string>
            {
                ["require_secure_transport"] = "ON",
                // The migrations declare utf8mb4 per table; the server default matches them for anything else.
                ["character_set_server"] = "utf8mb4",
                ["collation_server"] = "utf8mb4_unicode_ci",
                // The slow query log is off by default and must go to a file to be exported.
                ["slow_query_log"] = "1",
                ["long_query_time"] = "1",
                ["log_output"] = "FILE",
            },
        });

        var options = new OptionGroup(this, "Options", new OptionGroupProps
        {
            Engine = engine,
            Description = $"Loyalty {stage.Name}: MariaDB audit plugin",
            Configurations =
            [
                new OptionConfiguration
                {
                    Name = "MARIADB_AUDIT_PLUGIN",
                    Settings = new Dictionary<string, string> { ["SERVER_AUDIT_EVENTS"] = AuditEvents },
                },
            ],
        });

        var logGroups = LogExports.Select(log => new LogGroup(this, $"{char.ToUpperInvariant(log[0])}{log[1..]}Log", new LogGroupProps
        {
            LogGroupName = $"{logGroupPrefix}/{log}",
            EncryptionKey = Key,
            Retention = Network.Retention(settings.LogRetentionDays),
            RemovalPolicy = StageResources.Removal(stage),
        })).ToList();

        var credentials = new DatabaseSecret(this, "Secret", new DatabaseSecretProps
        {
            Username = MasterUsername,
            Dbname = DatabaseName,
            EncryptionKey = Key,
        });
        // Kept with the prod snapshot (and the key that encrypts both), so a restore comes with its credentials.
        credentials.ApplyRemovalPolicy(StageResources.Removal(stage));
        AppSecretName = $"loyalty/{stage.Name}/database/app";
        var appCredentials = new DatabaseSecret(this, "AppSecret", new DatabaseSecretProps
        {
            // Named: the API reads it by name (Parameter Store's reference to a secret takes no ARN).
            SecretName = AppSecretName,
            Username = AppUsername,
            Dbname = DatabaseName,
            EncryptionKey = Key,
        });
        appCredentials.ApplyRemovalPolicy(StageResources.Removal(stage));

        var performanceInsights = SupportsPerformanceInsights(settings.InstanceClass);
        Instance = new DatabaseInstance(this, "Instance", new DatabaseInstanceProps
        {
            InstanceIdentifier = identifier,
            Engine = engine,
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(settings.InstanceClass),
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.DatabaseTier },
            SecurityGroups = [SecurityGroup],
            PubliclyAccessible = false,
            Port = MariaDbPort,
            DatabaseName = DatabaseName,
            Credentials = Credentials.FromSecret(credentials, MasterUsername),
            ParameterGroup = parameters,
            OptionGroup = options,
            CaCertificate = CaCertificate.RDS_CA_RSA2048_G1,
            StorageType = StorageType.GP3,
            AllocatedStorage = settings.AllocatedStorageGiB,
            MaxAllocatedStorage = settings.MaxAllocatedStorageGiB,
            StorageEncrypted = true,
            StorageEncryptionKey = Key,
            MultiAz = settings.MultiAz,
            BackupRetention = Duration.Days(settings.BackupRetentionDays),
            // Prod keeps its automated backups (point-in-time restore) even after the instance is deleted.
            DeleteAutomatedBackups = !stage.IsProduction,
            DeletionProtection = settings.DeletionProtection,
            RemovalPolicy = stage.IsProduction ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            CopyTagsToSnapshot = true,
            AutoMinorVersionUpgrade = true,
            AllowMajorVersionUpgrade = false,
            EnablePerformanceInsights = performanceInsights,
            PerformanceInsightEncryptionKey = performanceInsights ? Key : null,
            PerformanceInsightRetention = performanceInsights ? PerformanceInsightRetention.DEFAULT : null,
            // No CloudwatchLogsRetention: CDK implements it with a Lambda on a runtime AWS no longer accepts
            // (cfn-lint E2533); the log groups above carry retention and encryption instead.
            CloudwatchLogsExports = [.. LogExports],
        });
        foreach (var logGroup in logGroups)
        {
            Instance.Node.AddDependency(logGroup);
        }

        // cfn-lint E3691 wants a full engine version (10.11.x). RDS takes the major version alone and starts on
        // its current default 10.11 minor, which auto minor version upgrade then keeps current. A pinned minor
        // would go stale: the template would disagree with the running engine after each upgrade, and once RDS
        // retires that minor, creating the stage again fails until someone edits the pin.
        var resource = Instance.Node.DefaultChild as CfnDBInstance ?? throw new InvalidOperationException("a DatabaseInstance is backed by a CfnDBInstance");
        resource.AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = CfnLintIgnoredChecks },
        });

        Secret = Instance.Secret ?? throw new InvalidOperationException("an instance given secret credentials exposes the attached secret");
        AppSecret = appCredentials.Attach(Instance);

        // Each password rotates by itself (single user: the user changes its own password). The functions run next to
        // the fleet, reaching the database on its port and Secrets Manager over HTTPS, and nothing else.
        RotationSecurityGroup = new SecurityGroup(this, "RotationSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Loyalty secret rotation: MariaDB to the database, HTTPS to Secrets Manager",
            AllowAllOutbound = false,
        });
        RotationSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "Secrets Manager API");
        Admit(RotationSecurityGroup);
        Rotate(Secret, $"loyalty-{stage.Name}-rotate-admin", vpc);
        Rotate(AppSecret, $"loyalty-{stage.Name}-rotate-app", vpc);
        var templateOptions = Stack.Of(this).TemplateOptions;
        templateOptions.Transforms = [.. (templateOptions.Transforms ?? []).Select(t => t == RetiredRotationTransform ? RotationTransform : t).Distinct()];
    }

    private void Rotate(ISecret secret, string functionName, IVpc vpc)
    {
        var schedule = secret.AddRotationSchedule("Rotation", new RotationScheduleOptions
        {
            AutomaticallyAfter = Duration.Days(RotationDays),
            HostedRotation = HostedRotation.MariaDbSingleUser(new SingleUserHostedRotationOptions
            {
                FunctionName = functionName,
                Vpc = vpc,
                VpcSubnets = new SubnetSelection { SubnetGroupName = Network.AppTier },
                SecurityGroups = [RotationSecurityGroup],
            }),
        });
        var resource = schedule.Node.DefaultChild as CfnRotationSchedule ?? throw new InvalidOperationException("a RotationSchedule is backed by a CfnRotationSchedule");
        resource.AddPropertyOverride("HostedRotationLambda.Runtime", RotationRuntime);
    }

    public DatabaseInstance Instance { get; }

    /// <summary>The generated master credentials (username, password, host, port, dbname), encrypted with <see cref="Key"/>: for migrations only.</summary>
    public ISecret Secret { get; }

    /// <summary>The API's credentials (<see cref="AppUsername"/>), attached to the instance like <see cref="Secret"/>.</summary>
    public ISecret AppSecret { get; }

    /// <summary>The name of <see cref="AppSecret"/>, by which the API reads its password again after each rotation.</summary>
    public string AppSecretName { get; }

    public SecurityGroup SecurityGroup { get; }

    /// <summary>The rotation functions' group: admitted to the database, HTTPS out.</summary>
    public SecurityGroup RotationSecurityGroup { get; }

    public Key Key { get; }

    /// <summary>Whether RDS for MariaDB offers Performance Insights on a class such as <c>t4g.micro</c>.</summary>
    public static bool SupportsPerformanceInsights(string instanceClass) => !ClassesWithoutPerformanceInsights.Contains(instanceClass);

    /// <summary>Opens the database port to <paramref name="client"/> (the fleet, built after the database it boots against).</summary>
    public void Admit(ISecurityGroup client)
    {
        ArgumentNullException.ThrowIfNull(client);
        // Both ends: the client's egress too, where its group does not allow all outbound traffic.
        SecurityGroup.Connections.AllowFrom(client, Port.Tcp(MariaDbPort), $"MariaDB from {client.Node.Path}");
    }
}
