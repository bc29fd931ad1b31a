namespace Loyalty.Infra.PolicyGate;

public static class MessagingRules
{
    public static readonly PolicyRule EncryptedAndTlsOnly = new(
        "LOY-MSG-1", Severity.Error, "Messaging", "Bank notifications are confidential",
        "set EncryptionMasterKey/MasterKey to a key of this stack and EnforceSSL = true (or a policy denying non-TLS)",
        Faults);

    public const int DeadLetterRetentionSeconds = 1209600;

    public static readonly PolicyRule DeadLettered = new(
        "LOY-MSG-2", Severity.Error, "Messaging", "Poison messages are kept, not lost",
        $"give each queue a DeadLetterQueue (same FIFO-ness, MaxReceiveCount 1-10) whose RetentionPeriod is {DeadLetterRetentionSeconds} seconds (14 days)",
        DeadLetterFaults);

    private static IEnumerable<string> DeadLetterFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Type != "AWS::SQS::Queue")
        {
            yield break;
        }

        var isDeadLetterQueue = ctx.OfType("AWS::SQS::Queue")
            .Any(q => Cfn.ReferencedId(q.Properties.At("RedrivePolicy", "deadLetterTargetArn")) == r.LogicalId);
        if (isDeadLetterQueue)
        {
            if (r.Properties.Get("MessageRetentionPeriod").Number() != DeadLetterRetentionSeconds)
            {
                yield return $"the dead-letter queue's MessageRetentionPeriod is not {DeadLetterRetentionSeconds}";
            }

            yield break;
        }

        var redrive = r.Properties.Get("RedrivePolicy");
        var target = ctx.Target(redrive.Get("deadLetterTargetArn"));
        if (target?.Type != "AWS::SQS::Queue")
        {
            yield return "RedrivePolicy.deadLetterTargetArn does not point at a queue of this stack";
            yield break;
        }

        if (target.Properties.Get("FifoQueue").IsTrue() != r.Properties.Get("FifoQueue").IsTrue())
        {
            yield return "the dead-letter queue's FifoQueue differs from the queue's";
        }

        if (redrive.Get("maxReceiveCount").Number() is not (>= 1 and <= 10))
        {
            yield return "RedrivePolicy.maxReceiveCount is not between 1 and 10";
        }
    }

    private static IEnumerable<string> Faults(PolicyResource r, PolicyContext ctx)
    {
        var (policyType, listName, action) = r.Type switch
        {
            "AWS::SQS::Queue" => ("AWS::SQS::QueuePolicy", "Queues", "sqs:*"),
            "AWS::SNS::Topic" => ("AWS::SNS::TopicPolicy", "Topics", "sns:Publish"),
            _ => (null, null, null),
        };
        if (policyType is null || listName is null || action is null)
        {
            yield break;
        }

        if (ctx.Target(r.Properties.Get("KmsMasterKeyId"))?.Type != "AWS::KMS::Key")
        {
            yield return "KmsMasterKeyId does not point at an AWS::KMS::Key of this stack";
        }

        var tlsOnly = ctx.OfType(policyType).Any(p =>
            p.Properties.Get(listName).Items().Any(q => Cfn.ReferencedId(q) == r.LogicalId)
            && Iam.DeniesInsecureTransport(p.Properties.Get("PolicyDocument"), action));
        if (!tlsOnly)
        {
            yield return $"no {policyType} denies {action} when aws:SecureTransport is false";
        }
    }
}
