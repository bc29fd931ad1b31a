using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class LogGroupPolicyTests
{
    [Theory]
    [InlineData("dev", RetentionDays.ONE_MONTH)]
    [InlineData("prod", RetentionDays.ONE_YEAR)]
    public void Obs1_EncryptedAtTheStageRetention_HasNoFinding(string stage, RetentionDays retention)
    {
        var gate = new Gate(stage);
        _ = new LogGroup(gate.Stack, "Logs", new LogGroupProps { EncryptionKey = new Key(gate.Stack, "Key"), Retention = retention });

        Assert.Empty(gate.Findings(ObservabilityRules.EncryptedRetainedLogs.Id));
    }

    [Theory]
    [InlineData("dev", RetentionDays.TWO_WEEKS)]
    [InlineData("prod", RetentionDays.SIX_MONTHS)]
    public void Obs1_BelowTheStageRetention_FailsWithPathAndFix(string stage, RetentionDays retention)
    {
        var gate = new Gate(stage);
        _ = new LogGroup(gate.Stack, "Logs", new LogGroupProps { EncryptionKey = new Key(gate.Stack, "Key"), Retention = retention });

        Gate.AssertFinding(gate.Errors(ObservabilityRules.EncryptedRetainedLogs.Id), ObservabilityRules.EncryptedRetainedLogs, $"Gate-{stage}/Logs/Resource");
    }

    [Fact]
    public void Obs1_UnencryptedLogGroup_Fails()
    {
        var gate = new Gate();
        _ = new LogGroup(gate.Stack, "Logs", new LogGroupProps { Retention = RetentionDays.ONE_YEAR });

        var finding = Assert.Single(gate.Errors(ObservabilityRules.EncryptedRetainedLogs.Id));
        Assert.Contains("KmsKeyId is not set", finding, StringComparison.Ordinal);
    }
}
