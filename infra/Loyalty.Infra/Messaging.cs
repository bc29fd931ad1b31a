using Loyalty.Core;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.SSM;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: its banks get one FIFO queue each, its messaging settings drive the lifecycle.</param>
/// <param name="AppRole">The API instances' role: the only sender to the bank queues and the only consumer of the ingest queue.</param>
public sealed record MessagingProps
{
    public required StageConfig Stage { get; init; }

    public required IRole AppRole { get; init; }
}

/// <summary>
/// Fulfilment's storage and queues (DOMAIN.md §5): the partner-files bucket (accrual files under <c>outbound/{CODE}/</c>,
/// handbacks under <c>inbound/{CODE}/</c>, reports under <c>reports/{CODE}/</c>), an ingest queue the bucket notifies
/// of every new <c>inbound/</c> object, and one FIFO queue per bank that only that bank reads and only the app writes.
/// All of it is encrypted under one customer key. The app's settings (the names <c>FulfilmentOptions</c> binds) are
/// published as SSM parameters under <c>/loyalty/&lt;stage&gt;/api/</c>.
/// </summary>
public sealed class Messaging : Construct
{
    public const string InboundPrefix = BucketPrefixes.Inbound;

    /// <summary>The tag on a bank's FIFO queue naming the bank it belongs to; the policy gate checks it against the stage file.</summary>
    public const string BankTag = "bank";

    /// <summary>The most SQS keeps a message (14 days): a dead letter or an unread bank event survives a long weekend and more.</summary>
    public static readonly Duration MaxRetention = Duration.Seconds(1209600);

    /// <summary>Deliveries before a message is parked in its DLQ (policy LOY-MSG-2: 1-10); the DLQ alarm then pages someone.</summary>
    public const int MaxReceiveCount = 5;

    /// <summary>
    /// The ingester deletes a notification only after applying the files it names, which for a large handback takes
    /// longer than SQS's 30-second default; a shorter timeout would hand the same file to a second instance meanwhile.
    /// </summary>
    public static readonly Duration IngestVisibilityTimeout = Duration.Minutes(5);

    /// <summary>What a bank's principal may do on its own queue and its DLQ, and nothing else.</summary>
    public static readonly IReadOnlyList<string> BankReaderActions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

    public static readonly IReadOnlyList<string> AppSenderActions = ["sqs:SendMessage", "sqs:GetQueueUrl"];

    public static readonly IReadOnlyList<string> AppConsumerActions =
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];


    public static readonly IReadOnlyList<string> AppKeyActions = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"];

    private const int AbortIncompleteUploadDays = 7;

    public Messaging(Construct scope, string id, MessagingProps props) : base(scope, id)
    {
        var stage = props.Stage;
        var settings = stage.Messaging;
        var stack = Stack.Of(this);
        var retain = StageResources.Removal(stage);

        // Named, so the ARN can be written as a string where a reference would close a cycle: the ingest queue's
        // policy (which the bucket must wait for, since S3 tests the destination when the notification is set)
        // and the key policy (which the queues depend on). The account keeps the global name unique per stage.
        BucketName = $"loyalty-{stage.Name}-partner-files-{stage.Account}";
        var bucketArn = stack.FormatArn(new ArnComponents { Service = "s3", Region = "", Account = "", Resource = BucketName });

        Key = StageResources.CustomerKey(this, "Key", stage, "partner files, ingest and bank notification queues");
        // S3 encrypts the notifications it sends to the (encrypted) ingest queue with this key, for this bucket only.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "S3NotificationsToEncryptedQueue",
            Principals = [new ServicePrincipal("s3.amazonaws.com")],
            Actions = ["kms:GenerateDataKey", "kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stage.Account },
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = bucketArn },
            },
        }));

        AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
        {
            // S3 server access logging only delivers to SSE-S3 buckets (LOY-S3-2 allows AES256 for log buckets).
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            Versioned = true,
            // Who fetched a partner file is kept as long as the file itself.
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Expiration = Duration.Days(settings.ExpireAfterDays),
                    NoncurrentVersionExpiration = Duration.Days(settings.NoncurrentVersionDays),
                },
            ],
            RemovalPolicy = retain,
        });

        Bucket = new Bucket(this, "PartnerFiles", new BucketProps
        {
            BucketName = BucketName,
            Encryption = BucketEncryption.KMS,
            EncryptionKey = Key,
            // One data key per bucket instead of a KMS call per object: the same protection at a fraction of the cost.
            BucketKeyEnabled = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            Versioned = true,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "PartnerFilesLifecycle",
                    Transitions =
                    [
                        new Transition
                        {
                            StorageClass = StorageClass.INFREQUENT_ACCESS,
                            TransitionAfter = Duration.Days(settings.InfrequentAccessAfterDays),
                        },
                    ],
                    Expiration = Duration.Days(settings.ExpireAfterDays),
                    NoncurrentVersionExpiration = Duration.Days(settings.NoncurrentVersionDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(AbortIncompleteUploadDays),
                },
            ],
            ServerAccessLogsBucket = AccessLogs,
            ServerAccessLogsPrefix = "partner-files/",
            // No autoDeleteObjects in dev: its custom-resource Lambda runs on nodejs20.x in CDK 2.160 (cfn-lint E2533).
            RemovalPolicy = retain,
        });

        IngestDeadLetterQueue = new Queue(this, "IngestDeadLetterQueue", new QueueProps
        {
            QueueName = $"loyalty-{stage.Name}-ingest-dlq",
            Encryption = QueueEncryption.KMS,
            EncryptionMasterKey = Key,
            RetentionPeriod = MaxRetention,
            EnforceSSL = true,
        });
        IngestQueue = new Queue(this, "IngestQueue", new QueueProps
        {
            QueueName = $"loyalty-{stage.Name}-ingest",
            Encryption = QueueEncryption.KMS,
            EncryptionMasterKey = Key,
            VisibilityTimeout = IngestVisibilityTimeout,
            DeadLetterQueue = new DeadLetterQueue { Queue = IngestDeadLetterQueue, MaxReceiveCount = MaxReceiveCount },
            EnforceSSL = true,
        });
        IngestQueue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "BucketNotifications",
            Principals = [new ServicePrincipal("s3.amazonaws.com")],
            Actions = ["sqs:SendMessage"],
            Resources = [IngestQueue.QueueArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnEquals"] = new Dictionary<string, object> { ["aws:SourceArn"] = bucketArn },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stage.Account },
            },
        }));

        // The L2 AddEventNotification would deploy a handler Lambda (nodejs20.x in CDK 2.160, refused by AWS); the L1
        // property does the same without one.
        var bucketResource = (CfnBucket)Bucket.Node.DefaultChild!; // DefaultChild: an L2 Bucket always has its CfnBucket.
        bucketResource.NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
        {
            QueueConfigurations = new object[]
            {
                new CfnBucket.QueueConfigurationProperty
                {
                    Event = "s3:ObjectCreated:*",
                    Queue = IngestQueue.QueueArn,
                    Filter = new CfnBucket.NotificationFilterProperty
                    {
                        S3Key = new CfnBucket.S3KeyFilterProperty
                        {
                            Rules = new object[] { new CfnBucket.FilterRuleProperty { Name = "prefix", Value = InboundPrefix } },
                        },
                    },
                },
            },
        };
        // S3 sends a test message when the configuration is set; it is refused until the queue policy lets S3 in.
        // .NET does not surface Queue.policy; AddToResourcePolicy (and enforceSSL) create it as the child "Policy".
        var ingestPolicy = (QueuePolicy)IngestQueue.Node.FindChild("Policy");
        bucketResource.AddDependency((CfnResource)ingestPolicy.Node.DefaultChild!); // DefaultChild: a QueuePolicy always has its CfnQueuePolicy.

        var bankQueues = new Dictionary<string, Queue>(StringComparer.Ordinal);
        var deadLetterQueues = new List<Queue> { IngestDeadLetterQueue };
        foreach (var bank in stage.Banks)
        {
            var reader = new ArnPrincipal(bank.QueueReaderArn);
            var dlqName = $"loyalty-{stage.Name}-{bank.Code}-dlq.fifo";
            var queueName = $"loyalty-{stage.Name}-{bank.Code}.fifo";

            var dlq = new Queue(this, $"{bank.Code}DeadLetterQueue", new QueueProps
            {
                QueueName = dlqName,
                Fifo = true,
                ContentBasedDeduplication = false,
                Encryption = QueueEncryption.KMS,
                EncryptionMasterKey = Key,
                RetentionPeriod = MaxRetention,
                EnforceSSL = true,
            });
            // A bank may drain the events parked in its DLQ itself.
            dlq.AddToResourcePolicy(ReaderStatement(reader, dlq));

            var queue = new Queue(this, $"{bank.Code}Queue", new QueueProps
            {
                QueueName = queueName,
                Fifo = true,
                // The publisher sets a deduplication id per event, so a retried batch is not delivered twice.
                ContentBasedDeduplication = false,
                Encryption = QueueEncryption.KMS,
                EncryptionMasterKey = Key,
                // A bank offline for days still gets every event.
                RetentionPeriod = MaxRetention,
                DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = MaxReceiveCount },
                EnforceSSL = true,
            });
            queue.AddToResourcePolicy(ReaderStatement(reader, queue));
            queue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AppSends",
                Principals = [new ArnPrincipal(props.AppRole.RoleArn)],
                Actions = ["sqs:SendMessage"],
                Resources = [queue.QueueArn],
            }));
            // Only the queue itself carries the bank tag: policy LOY-MSG-3 wants exactly one FIFO queue per bank with it.
            // Set on the L1, not through Tags.Of: the policy gate checks the stack before tag aspects reach the queue.
            ((CfnQueue)queue.Node.DefaultChild!).Tags.SetTag(BankTag, bank.Code); // DefaultChild: a Queue always has its CfnQueue.

            // SQS decrypts with the caller's KMS permissions, so the bank's role (in its own account) needs kms:Decrypt
            // here too; scoped to SQS and to this bank's two queues by the encryption context SQS sets.
            Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = $"{bank.Code}ReadsItsQueues",
                Principals = [reader],
                Actions = ["kms:Decrypt"],
                Resources = ["*"],
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"sqs.{stage.Region}.amazonaws.com" },
                    // Names, not references: the queues depend on the key, so the key policy cannot refer to them.
                    ["ArnEquals"] = new Dictionary<string, object>
                    {
                        ["kms:EncryptionContext:aws:sqs:arn"] = new[] { QueueArn(stack, queueName), QueueArn(stack, dlqName) },
                    },
                },
            }));

            bankQueues[bank.Code] = queue;
            deadLetterQueues.Add(dlq);
        }

        BankQueues = bankQueues;
        DeadLetterQueues = deadLetterQueues;

        // Exact actions on exact resources (the Grant* helpers add wildcards such as s3:GetObject* and s3:DeleteObject*).
        InstancePolicy = new Policy(this, "InstancePolicy", new PolicyProps
        {
            Roles = [props.AppRole],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ListPartnerFiles",
                    Actions = ["s3:ListBucket"],
                    Resources = [Bucket.BucketArn],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    // Batch files: written once, read back to resume an interrupted export.
                    Sid = "WriteBatchFiles",
                    Actions = ["s3:GetObject", "s3:PutObject"],
                    Resources = [Bucket.ArnForObjects(BucketPrefixes.Outbound + "*")],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    // Handbacks are the programmes' to write: the API reads them, and tags one it quarantines (not a
                    // handback it can read) so it stands out.
                    Sid = "ReadHandbacks",
                    Actions = ["s3:GetObject", "s3:PutObjectTagging"],
                    Resources = [Bucket.ArnForObjects(BucketPrefixes.Inbound + "*")],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "WriteReports",
                    Actions = ["s3:PutObject"],
                    Resources = [Bucket.ArnForObjects(BucketPrefixes.Reports + "*")],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "UseMessagingKey",
                    Actions = [.. AppKeyActions],
                    Resources = [Key.KeyArn],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "SendToBankQueues",
                    Actions = [.. AppSenderActions],
                    Resources = [.. bankQueues.Values.Select(q => q.QueueArn)],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ConsumeIngestQueue",
                    Actions = [.. AppConsumerActions],
                    Resources = [IngestQueue.QueueArn],
                }),
            ],
        });

        Parameter("Bucket", stage, "Fulfilment__Bucket", Bucket.BucketName, "The partner-files bucket");
        Parameter("IngestQueueUrl", stage, "Fulfilment__IngestQueueUrl", IngestQueue.QueueUrl, "The queue the bucket notifies of new inbound/ objects");
        foreach (var (code, queue) in bankQueues)
        {
            Parameter($"{code}QueueUrl", stage, $"Fulfilment__BankQueues__{code}", queue.QueueUrl, $"{code}'s FIFO notification queue");
        }
    }

    /// <summary>The explicit name of the partner-files bucket.</summary>
    public string BucketName { get; }

    public Key Key { get; }

    public Bucket Bucket { get; }

    /// <summary>Server access logs of <see cref="Bucket"/> (SSE-S3, as S3 log delivery requires).</summary>
    public Bucket AccessLogs { get; }

    public Queue IngestQueue { get; }

    public Queue IngestDeadLetterQueue { get; }

    /// <summary>Bank code → that bank's FIFO notification queue.</summary>
    public IReadOnlyDictionary<string, Queue> BankQueues { get; }

    /// <summary>Every dead-letter queue (ingest and per bank): none should ever hold a message.</summary>
    public IReadOnlyList<Queue> DeadLetterQueues { get; }

    /// <summary>The instance role's access to the bucket, the key and the queues.</summary>
    public Policy InstancePolicy { get; }

    private static PolicyStatement ReaderStatement(IPrincipal reader, Queue queue) => new(new PolicyStatementProps
    {
        Sid = "BankReads",
        Principals = [reader],
        Actions = [.. BankReaderActions],
        Resources = [queue.QueueArn],
    });

    private static string QueueArn(Stack stack, string name) =>
        stack.FormatArn(new ArnComponents { Service = "sqs", Resource = name, ArnFormat = ArnFormat.NO_RESOURCE_NAME });

    // Inside a construct of the name the L2 StringParameter once had, so the parameters keep their logical ids.
    private void Parameter(string id, StageConfig stage, string key, string value, string description) =>
        _ = StageResources.ApiSetting(new Construct(this, $"{id}Parameter"), "Resource", stage, key, value, description);
}
