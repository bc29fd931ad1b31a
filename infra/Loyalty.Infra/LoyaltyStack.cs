using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Loyalty.Infra.PolicyGate;
using Constructs;

namespace Loyalty.Infra;

/// <summary>One stage of the platform. It only wires the constructs; each construct owns one concern.</summary>
public sealed class LoyaltyStack : Stack
{
    /// <param name="apiBundle">The published API bundle (make publish) the golden AMI installs.</param>
    public LoyaltyStack(Construct scope, StageConfig stage, string apiBundle) : base(scope, $"Loyalty-{stage.Name}", new StackProps
    {
        Env = new Amazon.CDK.Environment { Account = stage.Account, Region = stage.Region },
        Description = $"Loyalty platform, {stage.Name} stage",
        TerminationProtection = stage.IsProduction,
    })
    {
        Amazon.CDK.Tags.Of(this).Add("stage", stage.Name);
        foreach (var (key, value) in stage.Tags)
        {
            Amazon.CDK.Tags.Of(this).Add(key, value);
        }

        // One customer-managed key for logs (flow logs, WAF and app logs); CloudWatch Logs is let in for this
        // account's log groups only.
        var logKey = LogKey = StageResources.CustomerKey(this, "LogKey", stage, "CloudWatch Logs");
        logKey.AddToResourcePolicy(StageResources.ServiceKeyUse(this, $"logs.{stage.Region}.amazonaws.com",
            ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "kms:EncryptionContext:aws:logs:arn", "logs", "log-group:*"));

        var network = new Network(this, "Network", new NetworkProps { Stage = stage, LogKey = logKey });
        var bastion = new Bastion(this, "Bastion", new BastionProps { Stage = stage, Vpc = network.Vpc });
        var image = new GoldenAmi(this, "GoldenAmi", new GoldenAmiProps { Stage = stage, Vpc = network.Vpc, ApiBundle = apiBundle });
        // The database first: the fleet boots against its secret, and it admits the fleet once that exists.
        var database = new Database(this, "Database", new DatabaseProps { Stage = stage, Vpc = network.Vpc, Clients = [] });
        var fleet = new ApiFleet(this, "ApiFleet", new ApiFleetProps
        {
            Stage = stage, Vpc = network.Vpc, BastionSecurityGroup = bastion.SecurityGroup, ImageId = image.ImageId,
            DatabaseSecret = database.AppSecret, DatabaseSecretName = database.AppSecretName, MigrationSecret = database.Secret, DatabaseKey = database.Key,
        });
        database.Admit(fleet.AppSecurityGroup);
        database.Admit(bastion.SecurityGroup);
        _ = new Edge(this, "Edge", new EdgeProps { Stage = stage, LoadBalancer = fleet.LoadBalancer, LogKey = LogKey });
        var identity = new Identity(this, "Identity", new IdentityProps { Stage = stage, InstanceRole = fleet.InstanceRole });
        _ = new CfnOutput(this, "UserPoolId", new CfnOutputProps
        {
            Value = identity.UserPool.UserPoolId,
            Description = "Cognito user pool of the API (partner and operations staff; bank app clients)",
        });
        _ = new CfnOutput(this, "TokenEndpoint", new CfnOutputProps
        {
            Value = identity.TokenEndpoint,
            Description = "Auth__TokenEndpoint: where banks get client-credentials tokens",
        });

        var messaging = new Messaging(this, "Messaging", new MessagingProps { Stage = stage, AppRole = fleet.InstanceRole });
        _ = new CfnOutput(this, "PartnerFilesBucket", new CfnOutputProps
        {
            Value = messaging.Bucket.BucketName,
            Description = "Partner files: accruals under outbound/{CODE}/, handbacks under inbound/{CODE}/",
        });
        _ = new CfnOutput(this, "IngestQueueUrl", new CfnOutputProps
        {
            Value = messaging.IngestQueue.QueueUrl,
            Description = "The queue the bucket notifies of new inbound/ objects",
        });

        var observability = new Observability(this, "Observability", new ObservabilityProps
        {
            Stage = stage, Fleet = fleet, Database = database, DeadLetterQueues = messaging.DeadLetterQueues, LogKey = logKey,
        });
        fleet.InstanceRole.AddToPrincipalPolicy(observability.AgentConfigRead);

        _ = new CfnOutput(this, "AlbDnsName", new CfnOutputProps
        {
            Value = fleet.LoadBalancer.LoadBalancerDnsName,
            Description = "The API load balancer (point the stage's domain at it)",
        });

        _ = new CfnOutput(this, "DbEndpoint", new CfnOutputProps
        {
            Value = database.Instance.DbInstanceEndpointAddress,
            Description = "Database host (MariaDB, TLS required)",
        });
        _ = new CfnOutput(this, "DbSecretArn", new CfnOutputProps
        {
            Value = database.Secret.SecretArn,
            Description = "Secrets Manager secret with the database master credentials",
        });

        _ = new CfnOutput(this, "BastionInstanceId", new CfnOutputProps
        {
            Value = bastion.Host.InstanceId,
            Description = "Bastion instance (aws ssm start-session --target <id>)",
        });

        // Last, so the gate reads the finished stack (infra/POLICY.md).
        Aspects.Of(this).Add(PolicyAspect.For(stage));
    }

    /// <summary>Encrypts every CloudWatch log group of the stage.</summary>
    public Key LogKey { get; }
}
