using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class ObservabilityPolicyTests
{
    [Fact]
    public void Obs2_AlarmThatNotifiesATopic_HasNoFinding()
    {
        var gate = new Gate();
        var alarm = Alarm(gate, actionsEnabled: true);
        alarm.AddAlarmAction(new SnsAction(new Topic(gate.Stack, "Ops")));

        Assert.Empty(gate.Findings(ObservabilityRules.AlarmsAct.Id));
    }

    [Fact]
    public void Obs2_AlarmWithoutActions_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Alarm(gate, actionsEnabled: true);

        Gate.AssertFinding(gate.Errors(ObservabilityRules.AlarmsAct.Id), ObservabilityRules.AlarmsAct, "Gate-dev/Alarm/Resource");
    }

    [Fact]
    public void Obs2_AlarmWithActionsDisabled_Fails()
    {
        var gate = new Gate();
        var alarm = Alarm(gate, actionsEnabled: false);
        alarm.AddAlarmAction(new SnsAction(new Topic(gate.Stack, "Ops")));

        var finding = Assert.Single(gate.Errors(ObservabilityRules.AlarmsAct.Id));
        Assert.Contains("ActionsEnabled is false", finding, StringComparison.Ordinal);
    }

    private static Alarm Alarm(Gate gate, bool actionsEnabled) => new(gate.Stack, "Alarm", new AlarmProps
    {
        Metric = new Metric(new MetricProps { Namespace = "Loyalty", MetricName = "Errors" }),
        Threshold = 1,
        EvaluationPeriods = 1,
        ActionsEnabled = actionsEnabled,
    });
}
