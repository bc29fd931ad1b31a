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

    private static readonly string[] ReadActions = ["sqs:ReceiveMessage", "sqs:DeleteMessage"];

    public static readonly PolicyRule BankIsolation = new(
        "LOY-MSG-3", Severity.Error, "Messaging", "A bank reads only its own outcomes",
        $"give each bank of the stage file one FIFO queue tagged {Messaging.BankTag}=<code> on its L1 (CfnQueue.Tags.SetTag) whose policy, "
        + "and its DLQ's, lets only that bank's queueReaderArn receive/delete and only the app role send; name no bank on another queue",
        BankIsolationFaults);

    private static IEnumerable<string> BankIsolationFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Type == PolicyResource.StackType)
        {
            foreach (var bank in ctx.Banks.Where(b => !BankQueues(ctx, b.Code).Any()))
            {
                yield return $"bank {bank.Code} of the stage file has no FIFO queue tagged {Messaging.BankTag}={bank.Code}";
            }

            yield break;
        }

        if (r.Type != "AWS::SQS::Queue")
        {
            yield break;
        }

        var code = BankOf(r);
        var owner = code is null ? ctx.Banks.FirstOrDefault(b => BankQueues(ctx, b.Code).Any(q => DeadLetterQueueOf(q, ctx)?.LogicalId == r.LogicalId)) : null;
        if (code is not null)
        {
            var bank = ctx.Banks.FirstOrDefault(b => b.Code == code);
            if (bank is null)
            {
                yield return $"the queue is tagged {Messaging.BankTag}={code}, a bank the stage file does not have";
                yield break;
            }

            if (!r.Properties.Get("FifoQueue").IsTrue())
            {
                yield return $"the queue of bank {code} is not FIFO";
            }

            if (BankQueues(ctx, code).Count() > 1)
            {
                yield return $"bank {code} has more than one FIFO queue tagged {Messaging.BankTag}={code}";
            }

            owner = bank;
        }

        var statements = ctx.OfType("AWS::SQS::QueuePolicy")
            .Where(p => p.Properties.Get("Queues").Items().Any(q => Cfn.ReferencedId(q) == r.LogicalId))
            .SelectMany(p => Iam.Statements(p.Properties.Get("PolicyDocument")))
            .Where(s => s.Get("Effect").Text() == "Allow")
            .ToList();
        var bankReaders = ctx.Banks.Select(b => b.QueueReaderArn).ToHashSet(StringComparer.Ordinal);
        foreach (var statement in statements)
        {
            var principals = Iam.Many(statement.At("Principal", "AWS")).ToList();
            var actions = Iam.Many(statement.Get("Action")).Select(a => a.Text() ?? "").ToList();
            foreach (var reader in principals.Select(p => p.Text()).Where(p => p is not null && bankReaders.Contains(p) && p != owner?.QueueReaderArn))
            {
                yield return $"the policy lets {reader}, another bank's reader, use this queue";
            }

            if (owner is null)
            {
                continue;
            }

            if (actions.Any(a => a is "sqs:*" || ReadActions.Contains(a)) && principals.Any(p => p.Text() != owner.QueueReaderArn))
            {
                yield return $"the policy lets a principal other than {owner.QueueReaderArn} receive or delete";
            }

            if (actions.Any(a => a is "sqs:*" or "sqs:SendMessage") && principals.Any(p => ctx.Target(p)?.Type != "AWS::IAM::Role"))
            {
                yield return "the policy lets a principal other than the app role send";
            }
        }

        if (owner is not null && !statements.Any(s => Iam.Many(s.At("Principal", "AWS")).Any(p => p.Text() == owner.QueueReaderArn)))
        {
            yield return $"no queue policy lets {owner.Code}'s reader {owner.QueueReaderArn} receive";
        }
    }

    private static string? BankOf(PolicyResource queue) =>
        queue.Properties.Get("Tags").Items().FirstOrDefault(t => t.Get("Key").Text() == Messaging.BankTag).Get("Value").Text();

    private static IEnumerable<PolicyResource> BankQueues(PolicyContext ctx, string code) =>
        ctx.OfType("AWS::SQS::Queue").Where(q => q.Properties.Get("FifoQueue").IsTrue() && BankOf(q) == code);

    private static PolicyResource? DeadLetterQueueOf(PolicyResource queue, PolicyContext ctx) =>
        ctx.Target(queue.Properties.At("RedrivePolicy", "deadLetterTargetArn"));

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
