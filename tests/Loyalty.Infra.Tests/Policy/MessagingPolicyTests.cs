using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class MessagingPolicyTests
{
    [Fact]
    public void Msg1_QueueAndTopicUnderOwnKeyTlsOnly_HaveNoFinding()
    {
        var gate = new Gate();
        var key = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true });
        _ = new Queue(gate.Stack, "Queue", new QueueProps { Encryption = QueueEncryption.KMS, EncryptionMasterKey = key, EnforceSSL = true });
        AllowEvents(new Topic(gate.Stack, "Topic", new TopicProps { MasterKey = key, EnforceSSL = true }));

        Assert.Empty(gate.Findings(MessagingRules.EncryptedAndTlsOnly.Id));
    }

    [Fact]
    public void Msg1_SqsManagedQueueWithoutTlsDeny_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Queue(gate.Stack, "Queue", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED });

        var findings = gate.Errors(MessagingRules.EncryptedAndTlsOnly.Id);

        Gate.AssertFinding(findings, MessagingRules.EncryptedAndTlsOnly, "Gate-dev/Queue/Resource");
        Assert.Equal(2, findings.Count);
    }

    [Fact]
    public void Msg1_UnencryptedTopic_Fails()
    {
        var gate = new Gate();
        AllowEvents(new Topic(gate.Stack, "Topic", new TopicProps { EnforceSSL = true }));

        var finding = Assert.Single(gate.Errors(MessagingRules.EncryptedAndTlsOnly.Id));
        Assert.Contains("Gate-dev/Topic/Resource: KmsMasterKeyId", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Msg2_FifoQueueWithAFifoDeadLetterQueueKeptFourteenDays_HasNoFinding()
    {
        var gate = new Gate();
        var dlq = new Queue(gate.Stack, "Dlq", new QueueProps { Fifo = true, RetentionPeriod = Duration.Days(14) });
        _ = new Queue(gate.Stack, "Queue", new QueueProps { Fifo = true, DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 5 } });

        Assert.Empty(gate.Findings(MessagingRules.DeadLettered.Id));
    }

    [Fact]
    public void Msg2_QueueWithoutDeadLetterQueue_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Queue(gate.Stack, "Queue");

        Gate.AssertFinding(gate.Errors(MessagingRules.DeadLettered.Id), MessagingRules.DeadLettered, "Gate-dev/Queue/Resource");
    }

    [Fact]
    public void Msg2_StandardDeadLetterQueueForAFifoQueueKeptFourDays_Fails()
    {
        var gate = new Gate();
        var dlq = new Queue(gate.Stack, "Dlq");
        _ = new Queue(gate.Stack, "Queue", new QueueProps { Fifo = true, DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 20 } });

        var findings = gate.Errors(MessagingRules.DeadLettered.Id);

        Gate.AssertFinding(findings, MessagingRules.DeadLettered, "Gate-dev/Dlq/Resource");
        Assert.Contains(findings, f => f.Contains("Gate-dev/Queue/Resource: the dead-letter queue's FifoQueue differs", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("maxReceiveCount is not between 1 and 10", StringComparison.Ordinal));
    }

    // CDK writes a topic's TLS-only statement with its first resource-policy statement, not on its own.
    private static void AllowEvents(Topic topic) => topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
    {
        Principals = [new ServicePrincipal("events.amazonaws.com")], Actions = ["sns:Publish"], Resources = [topic.TopicArn],
    }));
}
