using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SQS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-MSG-3: each bank of the stage has its own FIFO queue, read only by that bank and written only by the app.</summary>
[Collection(StagesSuite.Name)]
public sealed class BankIsolationPolicyTests
{
    private static readonly BankSettings Harb = new("HARB", "arn:aws:iam::310000000001:role/harb-reader", ["accruals.write"], ["192.0.2.0/28"]);
    private static readonly BankSettings Orch = new("ORCH", "arn:aws:iam::310000000002:role/orch-reader", ["accruals.write"], ["192.0.2.16/28"]);

    [Fact]
    public void OneQueuePerBank_ReadByItsBank_SentToByTheApp_HasNoFinding()
    {
        var gate = new Gate(banks: [Harb, Orch]);
        var app = AppRole(gate);
        _ = BankQueue(gate, Harb, Harb.QueueReaderArn, app);
        _ = BankQueue(gate, Orch, Orch.QueueReaderArn, app);

        Assert.Empty(gate.Findings(MessagingRules.BankIsolation.Id));
    }

    [Fact]
    public void BankWithoutQueue_FailsOnTheStack()
    {
        var gate = new Gate(banks: [Harb, Orch]);
        _ = BankQueue(gate, Harb, Harb.QueueReaderArn, AppRole(gate));

        var finding = Assert.Single(gate.Errors(MessagingRules.BankIsolation.Id));
        Gate.AssertFinding([finding], MessagingRules.BankIsolation, "Gate-dev");
        Assert.Contains("bank ORCH of the stage file has no FIFO queue tagged bank=ORCH", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherBanksReaderOnTheQueueAndItsDeadLetterQueue_FailsWithPathAndFix()
    {
        var gate = new Gate(banks: [Harb, Orch]);
        var app = AppRole(gate);
        _ = BankQueue(gate, Harb, Orch.QueueReaderArn, app);
        _ = BankQueue(gate, Orch, Orch.QueueReaderArn, app);

        var findings = gate.Errors(MessagingRules.BankIsolation.Id);

        Gate.AssertFinding(findings, MessagingRules.BankIsolation, "Gate-dev/HARBQueue/Resource");
        Gate.AssertFinding(findings, MessagingRules.BankIsolation, "Gate-dev/HARBDeadLetterQueue/Resource");
        Assert.Contains(findings, f => f.Contains($"lets {Orch.QueueReaderArn}, another bank's reader", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains($"no queue policy lets HARB's reader {Harb.QueueReaderArn} receive", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("Gate-dev/ORCH", StringComparison.Ordinal));
    }

    [Fact]
    public void AnyoneButTheAppSending_AndABankOnAnUntaggedQueue_FailWithPathAndFix()
    {
        var gate = new Gate(banks: [Harb]);
        var queue = BankQueue(gate, Harb, Harb.QueueReaderArn, AppRole(gate));
        queue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ArnPrincipal("arn:aws:iam::999999999999:role/stranger")],
            Actions = ["sqs:SendMessage"],
            Resources = [queue.QueueArn],
        }));
        var ingest = new Queue(gate.Stack, "Ingest");
        ingest.AddToResourcePolicy(Reads(Harb.QueueReaderArn, ingest));

        var findings = gate.Errors(MessagingRules.BankIsolation.Id);

        Gate.AssertFinding(findings, MessagingRules.BankIsolation, "Gate-dev/HARBQueue/Resource");
        Assert.Contains(findings, f => f.Contains("other than the app role send", StringComparison.Ordinal));
        Gate.AssertFinding(findings, MessagingRules.BankIsolation, "Gate-dev/Ingest/Resource");
    }

    [Fact]
    public void QueueOfABankTheStageLacks_OrTwoQueuesForOneBank_FailWithPathAndFix()
    {
        var gate = new Gate(banks: [Harb]);
        var app = AppRole(gate);
        _ = BankQueue(gate, Harb, Harb.QueueReaderArn, app);
        _ = BankQueue(gate, Harb, Harb.QueueReaderArn, app, "Second");
        _ = BankQueue(gate, Orch, Orch.QueueReaderArn, app);

        var findings = gate.Errors(MessagingRules.BankIsolation.Id);

        Assert.Contains(findings, f => f.Contains("Gate-dev/HARBQueue/Resource: bank HARB has more than one FIFO queue", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("Gate-dev/SecondHARBQueue/Resource: bank HARB has more than one FIFO queue", StringComparison.Ordinal));
        Gate.AssertFinding(findings, MessagingRules.BankIsolation, "Gate-dev/ORCHQueue/Resource");
        Assert.Contains(findings, f => f.Contains("tagged bank=ORCH, a bank the stage file does not have", StringComparison.Ordinal));
    }

    private static Role AppRole(Gate gate) => new(gate.Stack, "AppRole", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });

    private static PolicyStatement Reads(string reader, Queue queue) => new(new PolicyStatementProps
    {
        Principals = [new ArnPrincipal(reader)],
        Actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
        Resources = [queue.QueueArn],
    });

    /// <summary>A bank's FIFO queue and DLQ as Messaging builds them, read by <paramref name="reader"/>.</summary>
    private static Queue BankQueue(Gate gate, BankSettings bank, string reader, Role app, string prefix = "")
    {
        var dlq = new Queue(gate.Stack, $"{prefix}{bank.Code}DeadLetterQueue", new QueueProps { Fifo = true });
        dlq.AddToResourcePolicy(Reads(reader, dlq));
        var queue = new Queue(gate.Stack, $"{prefix}{bank.Code}Queue", new QueueProps
        {
            Fifo = true,
            DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 5 },
        });
        queue.AddToResourcePolicy(Reads(reader, queue));
        queue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ArnPrincipal(app.RoleArn)],
            Actions = ["sqs:SendMessage"],
            Resources = [queue.QueueArn],
        }));
        ((CfnQueue)queue.Node.DefaultChild!).Tags.SetTag(Messaging.BankTag, bank.Code);
        return queue;
    }
}
