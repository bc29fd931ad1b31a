using Loyalty.Core;
using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>The Messaging construct as both stages synthesise it: what LOY-S3-1..5, LOY-MSG-1..3 and LOY-IAM-1..5 will read.</summary>
[Collection(StagesSuite.Name)]
public sealed class MessagingTests(Stages stages)
{
    private static readonly string[] PublicAccessBlockFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PartnerFiles_IsNamedForTheStageAndAccount_EncryptedWithTheMessagingKey_AndNeverPublic(string stage)
    {
        var bucket = Properties(stage, "Messaging/PartnerFiles/Resource");

        Assert.Equal($"loyalty-{stage}-partner-files-{stages[stage].Config.Account}", bucket.GetProperty("BucketName").GetString());
        var sse = Assert.Single(bucket.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").EnumerateArray());
        Assert.True(sse.GetProperty("BucketKeyEnabled").GetBoolean());
        Assert.Equal("aws:kms", sse.GetProperty("ServerSideEncryptionByDefault").GetProperty("SSEAlgorithm").GetString());
        Assert.Equal(stages[stage].LogicalIdAt("Messaging/Key/Resource"), SynthesisedStage.RefOf(sse.GetProperty("ServerSideEncryptionByDefault").GetProperty("KMSMasterKeyID")));

        var block = bucket.GetProperty("PublicAccessBlockConfiguration");
        Assert.All(PublicAccessBlockFlags, flag => Assert.True(block.GetProperty(flag).GetBoolean(), flag));
        Assert.Equal("BucketOwnerEnforced", Assert.Single(bucket.GetProperty("OwnershipControls").GetProperty("Rules").EnumerateArray()).GetProperty("ObjectOwnership").GetString());
        Assert.False(bucket.TryGetProperty("AccessControl", out _));
        Assert.Equal("Enabled", bucket.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PartnerFiles_Lifecycle_FollowsTheStage(string stage)
    {
        var settings = stages[stage].Config.Messaging;
        var rule = Assert.Single(Properties(stage, "Messaging/PartnerFiles/Resource").GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray());

        Assert.Equal("Enabled", rule.GetProperty("Status").GetString());
        var transition = Assert.Single(rule.GetProperty("Transitions").EnumerateArray());
        Assert.Equal("STANDARD_IA", transition.GetProperty("StorageClass").GetString());
        Assert.Equal(settings.InfrequentAccessAfterDays, transition.GetProperty("TransitionInDays").GetInt32());
        Assert.Equal(settings.ExpireAfterDays, rule.GetProperty("ExpirationInDays").GetInt32());
        Assert.Equal(settings.NoncurrentVersionDays, rule.GetProperty("NoncurrentVersionExpiration").GetProperty("NoncurrentDays").GetInt32());
        Assert.False(rule.TryGetProperty("Prefix", out _));
        Assert.False(rule.TryGetProperty("Filter", out _));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PartnerFiles_Policy_DeniesEverythingWithoutTls(string stage)
    {
        var bucketId = stages[stage].LogicalIdAt("Messaging/PartnerFiles/Resource");
        var policy = Properties(stage, "Messaging/PartnerFiles/Policy/Resource");
        Assert.Equal(bucketId, SynthesisedStage.RefOf(policy.GetProperty("Bucket")));

        var statement = Assert.Single(policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("Deny", statement.GetProperty("Effect").GetString());
        Assert.Equal(["s3:*"], Strings(statement.GetProperty("Action")));
        Assert.Equal("false", statement.GetProperty("Condition").GetProperty("Bool").GetProperty("aws:SecureTransport").GetString());
        var resources = Strings(statement.GetProperty("Resource"), Compact);
        Assert.Contains($$"""{"Fn::GetAtt":["{{bucketId}}","Arn"]}""", resources);
        Assert.Contains($$"""{"Fn::Join":["",[{"Fn::GetAtt":["{{bucketId}}","Arn"]},"/*"]]}""", resources);
    }

    [Theory]
    [InlineData("dev", "Delete")]
    [InlineData("prod", "Retain")]
    public void PartnerFiles_AndKey_AreRetainedInProd(string stage, string policy)
    {
        foreach (var path in new[] { "Messaging/PartnerFiles/Resource", "Messaging/AccessLogs/Resource", "Messaging/Key/Resource" })
        {
            var resource = ResourceAt(stage, path);
            Assert.Equal(policy, resource.GetProperty("DeletionPolicy").GetString());
            Assert.Equal(policy, resource.GetProperty("UpdateReplacePolicy").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PartnerFiles_LogsAccess_ToAPrivateTlsOnlyLogBucket(string stage)
    {
        var logsId = stages[stage].LogicalIdAt("Messaging/AccessLogs/Resource");
        var logging = Properties(stage, "Messaging/PartnerFiles/Resource").GetProperty("LoggingConfiguration");
        Assert.Equal(logsId, SynthesisedStage.RefOf(logging.GetProperty("DestinationBucketName")));

        var logs = Properties(stage, "Messaging/AccessLogs/Resource");
        var sse = Assert.Single(logs.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").EnumerateArray());
        Assert.Equal("AES256", sse.GetProperty("ServerSideEncryptionByDefault").GetProperty("SSEAlgorithm").GetString());
        Assert.All(PublicAccessBlockFlags, flag => Assert.True(logs.GetProperty("PublicAccessBlockConfiguration").GetProperty(flag).GetBoolean(), flag));
        Assert.Equal("Enabled", logs.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
        Assert.Contains(logs.GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray(), r => r.TryGetProperty("NoncurrentVersionExpiration", out _));

        var statements = Properties(stage, "Messaging/AccessLogs/Policy/Resource").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();
        Assert.Contains(statements, s => s.GetProperty("Effect").GetString() == "Deny"
            && s.GetProperty("Condition").GetProperty("Bool").GetProperty("aws:SecureTransport").GetString() == "false");
        var delivery = Assert.Single(statements, s => s.GetProperty("Effect").GetString() == "Allow");
        Assert.Equal("logging.s3.amazonaws.com", delivery.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal(["s3:PutObject"], Strings(delivery.GetProperty("Action")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PartnerFiles_NotifiesTheIngestQueue_OfInboundObjectsOnly_AfterItsPolicyExists(string stage)
    {
        var resource = ResourceAt(stage, "Messaging/PartnerFiles/Resource");
        var notifications = resource.GetProperty("Properties").GetProperty("NotificationConfiguration");
        Assert.False(notifications.TryGetProperty("LambdaConfigurations", out _));
        Assert.False(notifications.TryGetProperty("TopicConfigurations", out _));

        var queue = Assert.Single(notifications.GetProperty("QueueConfigurations").EnumerateArray());
        Assert.Equal("s3:ObjectCreated:*", queue.GetProperty("Event").GetString());
        Assert.Equal(stages[stage].LogicalIdAt("Messaging/IngestQueue/Resource"), SynthesisedStage.RefOf(queue.GetProperty("Queue")));
        var rule = Assert.Single(queue.GetProperty("Filter").GetProperty("S3Key").GetProperty("Rules").EnumerateArray());
        Assert.Equal("prefix", rule.GetProperty("Name").GetString());
        Assert.Equal("inbound/", rule.GetProperty("Value").GetString());

        Assert.Contains(stages[stage].LogicalIdAt("Messaging/IngestQueue/Policy/Resource"), Strings(resource.GetProperty("DependsOn")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void BucketNotifications_NeedNoHandlerLambda(string stage)
    {
        var resources = stages[stage].Json.GetProperty("Resources").EnumerateObject().ToList();
        Assert.DoesNotContain(resources, r => r.Value.GetProperty("Type").GetString() == "Custom::S3BucketNotifications");
        Assert.DoesNotContain(resources, r => r.Name.StartsWith("Messaging", StringComparison.Ordinal)
            && (r.Value.GetProperty("Type").GetString()!.StartsWith("Custom::", StringComparison.Ordinal) || r.Value.GetProperty("Type").GetString() == "AWS::Lambda::Function"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Key_IsRotated_WithAThirtyDayWindow_AndLetsS3InForThisBucketOnly(string stage)
    {
        var config = stages[stage].Config;
        var key = Properties(stage, "Messaging/Key/Resource");
        Assert.True(key.GetProperty("EnableKeyRotation").GetBoolean());
        Assert.Equal(30, key.GetProperty("PendingWindowInDays").GetInt32());

        var statements = key.GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray().ToList();
        var s3 = Assert.Single(statements, s => s.GetProperty("Principal").TryGetProperty("Service", out var service) && service.GetString() == "s3.amazonaws.com");
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey"], Strings(s3.GetProperty("Action")).Order(StringComparer.Ordinal));
        Assert.Equal(config.Account, s3.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
        Assert.EndsWith($":s3:::loyalty-{stage}-partner-files-{config.Account}\"]]}}", Compact(s3.GetProperty("Condition").GetProperty("ArnLike").GetProperty("aws:SourceArn")), StringComparison.Ordinal);

        // Apart from the account root (CDK's default statement), only S3 and the stage's bank readers.
        var readers = config.Banks.Select(b => b.QueueReaderArn).ToHashSet(StringComparer.Ordinal);
        foreach (var principal in statements.Select(s => s.GetProperty("Principal")))
        {
            Assert.True(
                principal.TryGetProperty("Service", out _)
                || Compact(principal.GetProperty("AWS")).Contains($":iam::{config.Account}:root", StringComparison.Ordinal)
                || readers.Contains(Compact(principal.GetProperty("AWS"))),
                principal.GetRawText());
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Key_LetsEachBankDecrypt_OnlyThroughSqs_AndOnlyItsOwnQueues(string stage)
    {
        var config = stages[stage].Config;
        var statements = Properties(stage, "Messaging/Key/Resource").GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray().ToList();

        foreach (var bank in config.Banks)
        {
            var statement = Assert.Single(statements, s => s.GetProperty("Principal").TryGetProperty("AWS", out var aws) && Compact(aws) == bank.QueueReaderArn);
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            Assert.Equal(["kms:Decrypt"], Strings(statement.GetProperty("Action")));
            var condition = statement.GetProperty("Condition");
            Assert.Equal($"sqs.{config.Region}.amazonaws.com", condition.GetProperty("StringEquals").GetProperty("kms:ViaService").GetString());
            var queues = Strings(condition.GetProperty("ArnEquals").GetProperty("kms:EncryptionContext:aws:sqs:arn"), Compact).ToList();
            Assert.Equal(2, queues.Count);
            Assert.Single(queues, q => q.EndsWith($":sqs:{config.Region}:{config.Account}:loyalty-{stage}-{bank.Code}.fifo\"]]}}", StringComparison.Ordinal));
            Assert.Single(queues, q => q.EndsWith($":sqs:{config.Region}:{config.Account}:loyalty-{stage}-{bank.Code}-dlq.fifo\"]]}}", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachBank_HasExactlyOneFifoQueue_NamedAndTaggedForIt_UnderTheMessagingKey(string stage)
    {
        var config = stages[stage].Config;
        var keyId = stages[stage].LogicalIdAt("Messaging/Key/Resource");
        var fifo = stages[stage].Resources("AWS::SQS::Queue").Where(q => q.Properties.TryGetProperty("FifoQueue", out var f) && f.GetBoolean()).ToList();

        foreach (var bank in config.Banks)
        {
            var (_, queue) = Assert.Single(fifo, q => Tags(q.Properties).GetValueOrDefault("bank") == bank.Code);
            Assert.Equal($"loyalty-{stage}-{bank.Code}.fifo", queue.GetProperty("QueueName").GetString());
            Assert.False(queue.GetProperty("ContentBasedDeduplication").GetBoolean());
            Assert.Equal(keyId, SynthesisedStage.RefOf(queue.GetProperty("KmsMasterKeyId")));
        }

        // Every FIFO queue is a bank's queue or a bank's DLQ.
        Assert.Equal(config.Banks.Count * 2, fifo.Count);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachBankQueue_RedrivesToItsOwnEncryptedFifoDeadLetterQueue(string stage)
    {
        var keyId = stages[stage].LogicalIdAt("Messaging/Key/Resource");
        foreach (var bank in stages[stage].Config.Banks)
        {
            var redrive = Properties(stage, $"Messaging/{bank.Code}Queue/Resource").GetProperty("RedrivePolicy");
            Assert.InRange(redrive.GetProperty("maxReceiveCount").GetInt32(), 1, 10);
            var dlqId = SynthesisedStage.RefOf(redrive.GetProperty("deadLetterTargetArn"));
            Assert.Equal(stages[stage].LogicalIdAt($"Messaging/{bank.Code}DeadLetterQueue/Resource"), dlqId);

            var dlq = stages[stage].Resource(dlqId).GetProperty("Properties");
            Assert.True(dlq.GetProperty("FifoQueue").GetBoolean());
            Assert.Equal($"loyalty-{stage}-{bank.Code}-dlq.fifo", dlq.GetProperty("QueueName").GetString());
            Assert.Equal(1209600, dlq.GetProperty("MessageRetentionPeriod").GetInt32());
            Assert.Equal(keyId, SynthesisedStage.RefOf(dlq.GetProperty("KmsMasterKeyId")));
            Assert.False(dlq.TryGetProperty("RedrivePolicy", out _));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachBankQueue_LetsOnlyThatBankRead_AndOnlyTheAppSend_OverTlsOnly(string stage)
    {
        var config = stages[stage].Config;
        var appRole = $$"""{"Fn::GetAtt":["{{stages[stage].LogicalIdAt("ApiFleet/InstanceRole/Resource")}}","Arn"]}""";
        string[] readActions = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"];

        foreach (var bank in config.Banks)
        {
            var queueId = stages[stage].LogicalIdAt($"Messaging/{bank.Code}Queue/Resource");
            var policy = Properties(stage, $"Messaging/{bank.Code}Queue/Policy/Resource");
            Assert.Equal(queueId, SynthesisedStage.RefOf(Assert.Single(policy.GetProperty("Queues").EnumerateArray())));
            var statements = policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();

            AssertDeniesWithoutTls(statements, queueId);
            var grants = Allows(statements);
            var expected = readActions.Select(a => (bank.QueueReaderArn, a)).Append((appRole, "sqs:SendMessage")).Order();
            Assert.Equal(expected, grants.Select(g => (g.Principal, g.Action)).Order());
            Assert.All(grants, g => Assert.Equal($$"""{"Fn::GetAtt":["{{queueId}}","Arn"]}""", g.Resource));
            Assert.All(config.Banks.Where(b => b.Code != bank.Code), other => Assert.DoesNotContain(other.QueueReaderArn, Compact(policy), StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachBankDeadLetterQueue_LetsOnlyThatBankRead_AndNobodySend(string stage)
    {
        var config = stages[stage].Config;
        foreach (var bank in config.Banks)
        {
            var dlqId = stages[stage].LogicalIdAt($"Messaging/{bank.Code}DeadLetterQueue/Resource");
            var policy = Properties(stage, $"Messaging/{bank.Code}DeadLetterQueue/Policy/Resource");
            Assert.Equal(dlqId, SynthesisedStage.RefOf(Assert.Single(policy.GetProperty("Queues").EnumerateArray())));
            var statements = policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();

            AssertDeniesWithoutTls(statements, dlqId);
            var grants = Allows(statements);
            Assert.All(grants, g => Assert.Equal(bank.QueueReaderArn, g.Principal));
            Assert.Equal(["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], grants.Select(g => g.Action).Order(StringComparer.Ordinal));
            Assert.All(config.Banks.Where(b => b.Code != bank.Code), other => Assert.DoesNotContain(other.QueueReaderArn, Compact(policy), StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void IngestQueue_IsStandard_Encrypted_AndRedrivesToAKeptDeadLetterQueue(string stage)
    {
        var keyId = stages[stage].LogicalIdAt("Messaging/Key/Resource");
        var queue = Properties(stage, "Messaging/IngestQueue/Resource");

        Assert.False(queue.TryGetProperty("FifoQueue", out _));
        Assert.Equal($"loyalty-{stage}-ingest", queue.GetProperty("QueueName").GetString());
        Assert.Equal(keyId, SynthesisedStage.RefOf(queue.GetProperty("KmsMasterKeyId")));
        var redrive = queue.GetProperty("RedrivePolicy");
        Assert.InRange(redrive.GetProperty("maxReceiveCount").GetInt32(), 1, 10);
        var dlqId = SynthesisedStage.RefOf(redrive.GetProperty("deadLetterTargetArn"));
        Assert.Equal(stages[stage].LogicalIdAt("Messaging/IngestDeadLetterQueue/Resource"), dlqId);

        var dlq = stages[stage].Resource(dlqId).GetProperty("Properties");
        Assert.False(dlq.TryGetProperty("FifoQueue", out _));
        Assert.Equal(1209600, dlq.GetProperty("MessageRetentionPeriod").GetInt32());
        Assert.Equal(keyId, SynthesisedStage.RefOf(dlq.GetProperty("KmsMasterKeyId")));
        AssertDeniesWithoutTls(Properties(stage, "Messaging/IngestDeadLetterQueue/Policy/Resource").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList(), dlqId);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void IngestQueue_Policy_LetsOnlyThisBucketSend_OverTlsOnly(string stage)
    {
        var config = stages[stage].Config;
        var queueId = stages[stage].LogicalIdAt("Messaging/IngestQueue/Resource");
        var statements = Properties(stage, "Messaging/IngestQueue/Policy/Resource").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();

        AssertDeniesWithoutTls(statements, queueId);
        var allow = Assert.Single(statements, s => s.GetProperty("Effect").GetString() == "Allow");
        Assert.Equal("s3.amazonaws.com", allow.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal(["sqs:SendMessage"], Strings(allow.GetProperty("Action")));
        Assert.Equal(queueId, SynthesisedStage.RefOf(allow.GetProperty("Resource")));
        var condition = allow.GetProperty("Condition");
        Assert.EndsWith($":s3:::loyalty-{stage}-partner-files-{config.Account}\"]]}}", Compact(condition.GetProperty("ArnEquals").GetProperty("aws:SourceArn")), StringComparison.Ordinal);
        Assert.Equal(config.Account, condition.GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EveryMessagingQueue_IsEncryptedWithTheCmk_AndHasATlsOnlyPolicy(string stage)
    {
        var keyId = stages[stage].LogicalIdAt("Messaging/Key/Resource");
        var policies = stages[stage].Resources("AWS::SQS::QueuePolicy").ToList();
        foreach (var (queueId, queue) in stages[stage].Resources("AWS::SQS::Queue").Where(q => q.LogicalId.StartsWith("Messaging", StringComparison.Ordinal)))
        {
            Assert.Equal(keyId, SynthesisedStage.RefOf(queue.GetProperty("KmsMasterKeyId")));
            var (_, policy) = Assert.Single(policies, p => p.Properties.GetProperty("Queues").EnumerateArray().Any(q => SynthesisedStage.RefOf(q) == queueId));
            AssertDeniesWithoutTls(policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList(), queueId);
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void InstanceRole_GetsExactlyTheBucketKeyAndQueueActionsItNeeds(string stage)
    {
        var policy = Properties(stage, "Messaging/InstancePolicy/Resource");
        Assert.Equal(stages[stage].LogicalIdAt("ApiFleet/InstanceRole/Resource"), SynthesisedStage.RefOf(Assert.Single(policy.GetProperty("Roles").EnumerateArray())));

        var bucket = stages[stage].LogicalIdAt("Messaging/PartnerFiles/Resource");
        string Arn(string logicalId) => $$"""{"Fn::GetAtt":["{{logicalId}}","Arn"]}""";
        string Objects(string folder) => $$"""{"Fn::Join":["",[{{Arn(bucket)}},"/{{folder}}/*"]]}""";
        var (outbound, inbound, reports) = (Objects("outbound"), Objects("inbound"), Objects("reports"));
        var key = Arn(stages[stage].LogicalIdAt("Messaging/Key/Resource"));
        var ingest = Arn(stages[stage].LogicalIdAt("Messaging/IngestQueue/Resource"));
        var banks = stages[stage].Config.Banks.Select(b => Arn(stages[stage].LogicalIdAt($"Messaging/{b.Code}Queue/Resource"))).ToList();

        var expected = new List<(string Action, string Resource)>
        {
            ("s3:ListBucket", Arn(bucket)),
            ("s3:GetObject", outbound),
            ("s3:PutObject", outbound),
            ("s3:GetObject", inbound),
            ("s3:PutObjectTagging", inbound),
            ("s3:PutObject", reports),
            ("kms:Encrypt", key),
            ("kms:Decrypt", key),
            ("kms:GenerateDataKey", key),
            ("sqs:ReceiveMessage", ingest),
            ("sqs:DeleteMessage", ingest),
            ("sqs:ChangeMessageVisibility", ingest),
            ("sqs:GetQueueAttributes", ingest),
        };
        expected.AddRange(banks.SelectMany(q => new[] { ("sqs:SendMessage", q), ("sqs:GetQueueUrl", q) }));

        var statements = policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();
        Assert.All(statements, s =>
        {
            Assert.Equal("Allow", s.GetProperty("Effect").GetString());
            Assert.False(s.TryGetProperty("Condition", out _));
        });
        var granted = statements
            .SelectMany(s => Strings(s.GetProperty("Action")).SelectMany(a => Strings(s.GetProperty("Resource"), Compact).Select(r => (a, r))))
            .ToList();
        Assert.Equal(expected.Order(), granted.Order());
        Assert.DoesNotContain(granted, g => g.Item1.Contains('*', StringComparison.Ordinal) || g.Item2 == "\"*\"");
        Assert.DoesNotContain(granted, g => g.Item1.StartsWith("s3:Delete", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Parameters_PublishTheAppsFulfilmentSettings(string stage)
    {
        var config = stages[stage].Config;
        var parameters = stages[stage].Resources("AWS::SSM::Parameter")
            .Where(p => p.Properties.GetProperty("Name").ValueKind == JsonValueKind.String
                && p.Properties.GetProperty("Name").GetString()!.StartsWith($"/loyalty/{stage}/api/Fulfilment__", StringComparison.Ordinal))
            .ToDictionary(p => p.Properties.GetProperty("Name").GetString()!, p => p.Properties);

        var expected = new Dictionary<string, string>
        {
            [$"/loyalty/{stage}/api/Fulfilment__Bucket"] = stages[stage].LogicalIdAt("Messaging/PartnerFiles/Resource"),
            [$"/loyalty/{stage}/api/Fulfilment__IngestQueueUrl"] = stages[stage].LogicalIdAt("Messaging/IngestQueue/Resource"),
        };
        foreach (var bank in config.Banks)
        {
            expected[$"/loyalty/{stage}/api/Fulfilment__BankQueues__{bank.Code}"] = stages[stage].LogicalIdAt($"Messaging/{bank.Code}Queue/Resource");
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), parameters.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, target) in expected)
        {
            var parameter = parameters[name];
            Assert.Equal("String", parameter.GetProperty("Type").GetString());
            // A Ref is the bucket's name and the queue's URL: what FulfilmentOptions binds.
            Assert.Equal(target, parameter.GetProperty("Value").GetProperty("Ref").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Outputs_NameTheBucketAndTheIngestQueueUrl(string stage)
    {
        var outputs = stages[stage].Json.GetProperty("Outputs");

        Assert.Equal(stages[stage].LogicalIdAt("Messaging/PartnerFiles/Resource"), outputs.GetProperty("PartnerFilesBucket").GetProperty("Value").GetProperty("Ref").GetString());
        Assert.Equal(stages[stage].LogicalIdAt("Messaging/IngestQueue/Resource"), outputs.GetProperty("IngestQueueUrl").GetProperty("Value").GetProperty("Ref").GetString());
    }

    [Fact]
    public void Construct_ExposesEveryQueueAndDeadLetterQueue()
    {
        var config = stages.Dev.Config;
        var stack = SynthesisedStage.Synthesise(config);
        var messaging = (Messaging)stack.Node.FindChild("Messaging");

        Assert.Equal(config.Banks.Select(b => b.Code).Order(StringComparer.Ordinal), messaging.BankQueues.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(config.Banks.Count + 1, messaging.DeadLetterQueues.Count);
        Assert.Contains(messaging.IngestDeadLetterQueue, messaging.DeadLetterQueues);
        Assert.DoesNotContain(messaging.IngestQueue, messaging.DeadLetterQueues);
        Assert.All(messaging.BankQueues.Values, q => Assert.DoesNotContain(q, messaging.DeadLetterQueues));
    }

    private static void AssertDeniesWithoutTls(IReadOnlyList<JsonElement> statements, string queueId)
    {
        var deny = Assert.Single(statements, s => s.GetProperty("Effect").GetString() == "Deny");
        Assert.Equal(["sqs:*"], Strings(deny.GetProperty("Action")));
        Assert.Equal("false", deny.GetProperty("Condition").GetProperty("Bool").GetProperty("aws:SecureTransport").GetString());
        Assert.Equal(queueId, SynthesisedStage.RefOf(deny.GetProperty("Resource")));
    }

    /// <summary>Every Allow as (principal, action, resource), principals and resources in compact JSON unless plain strings.</summary>
    private static List<(string Principal, string Action, string Resource)> Allows(IEnumerable<JsonElement> statements) =>
        [.. statements
            .Where(s => s.GetProperty("Effect").GetString() == "Allow")
            .SelectMany(s =>
                from principal in Strings(s.GetProperty("Principal").GetProperty("AWS"), Compact)
                from action in Strings(s.GetProperty("Action"))
                from resource in Strings(s.GetProperty("Resource"), Compact)
                select (principal, action, resource))];

    private JsonElement Properties(string stage, string path) => ResourceAt(stage, path).GetProperty("Properties");

    private JsonElement ResourceAt(string stage, string path) => stages[stage].Resource(stages[stage].LogicalIdAt(path));

    /// <summary>A value that may be one string or an array of strings.</summary>
    private static IEnumerable<string> Strings(JsonElement value) => Strings(value, v => v.GetString()!);

    /// <summary>A value that may be one item or an array of them, each rendered by <paramref name="render"/>.</summary>
    private static IEnumerable<string> Strings(JsonElement value, Func<JsonElement, string> render) =>
        value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(render)] : [render(value)];

    /// <summary>Plain strings as themselves, anything else (intrinsics) as compact JSON.</summary>
    private static string Compact(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : JsonSerializer.Serialize(value);

    private static Dictionary<string, string> Tags(JsonElement properties) =>
        properties.TryGetProperty("Tags", out var tags)
            ? tags.EnumerateArray().ToDictionary(t => t.GetProperty("Key").GetString()!, t => t.GetProperty("Value").GetString()!)
            : [];
}
