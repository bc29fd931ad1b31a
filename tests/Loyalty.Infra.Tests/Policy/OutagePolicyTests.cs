using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SNS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-OBS-3, a warning: the outages that must page someone have alarms, and the alarm topic a subscriber.</summary>
[Collection(StagesSuite.Name)]
public sealed class OutagePolicyTests
{
    [Fact]
    public void AlarmsOnLoadBalancerAndDatabase_ToASubscribedTopic_HaveNoFinding()
    {
        var gate = new Gate("prod");
        var (alb, db, topic) = Watched(gate, subscribed: true);
        Alarm(gate, "Alb5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", alb.AttrLoadBalancerFullName, topic);
        Alarm(gate, "Latency", "AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", alb.AttrLoadBalancerFullName, topic);
        Alarm(gate, "Unhealthy", "AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", alb.AttrLoadBalancerFullName, topic);
        Alarm(gate, "DbCpu", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db.Ref, topic);
        Alarm(gate, "DbStorage", "AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db.Ref, topic);

        Assert.Empty(gate.Findings(ObservabilityRules.OutagesPage.Id));
    }

    [Fact]
    public void MissingAlarmsAndAnUnsubscribedTopicInDev_AreOnlyWarnings()
    {
        var gate = new Gate("dev");
        var (alb, _, topic) = Watched(gate, subscribed: false);
        Alarm(gate, "Latency", "AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", alb.AttrLoadBalancerFullName, topic);

        var warnings = gate.Warnings(ObservabilityRules.OutagesPage.Id);

        Gate.AssertFinding(warnings, ObservabilityRules.OutagesPage, "Gate-dev/Alb");
        Gate.AssertFinding(warnings, ObservabilityRules.OutagesPage, "Gate-dev/Db");
        Gate.AssertFinding(warnings, ObservabilityRules.OutagesPage, "Gate-dev/Topic");
        Assert.Contains(warnings, w => w.Contains("Gate-dev/Alb: no alarm with an action watches its 5xx responses", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("Gate-dev/Alb: no alarm with an action watches its TargetResponseTime", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("Gate-dev/Db: no alarm with an action watches its FreeStorageSpace", StringComparison.Ordinal));
        Assert.Empty(gate.Errors(ObservabilityRules.OutagesPage.Id));
    }

    [Fact]
    public void AnAlarmOnAnotherLoadBalancerInProd_FailsSynth()
    {
        var gate = new Gate("prod");
        var (_, _, topic) = Watched(gate, subscribed: true);
        Alarm(gate, "Alb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", "app/other/0123456789abcdef", topic);

        var errors = gate.Errors(ObservabilityRules.OutagesPage.Id);

        Gate.AssertFinding(errors, ObservabilityRules.OutagesPage, "Gate-prod/Alb");
        Assert.Contains(errors, e => e.Contains("Gate-prod/Alb: no alarm with an action watches its 5xx responses", StringComparison.Ordinal));
        Assert.Empty(gate.Warnings(ObservabilityRules.OutagesPage.Id));
    }

    private static (CfnLoadBalancer Alb, CfnDBInstance Db, CfnTopic Topic) Watched(Gate gate, bool subscribed)
    {
        var alb = new CfnLoadBalancer(gate.Stack, "Alb", new CfnLoadBalancerProps { Subnets = ["subnet-1", "subnet-2"] });
        var db = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps { Engine = "mariadb", DbInstanceClass = "db.t4g.micro", AllocatedStorage = "20" });
        var topic = new CfnTopic(gate.Stack, "Topic", new CfnTopicProps());
        if (subscribed)
        {
            _ = new CfnSubscription(gate.Stack, "Subscriber", new CfnSubscriptionProps { TopicArn = topic.Ref, Protocol = "email", Endpoint = "ops@example.com" });
        }

        return (alb, db, topic);
    }

    private static void Alarm(Gate gate, string id, string ns, string metric, string dimension, string value, CfnTopic topic) =>
        _ = new CfnAlarm(gate.Stack, id, new CfnAlarmProps
        {
            Namespace = ns,
            MetricName = metric,
            Dimensions = new object[] { new CfnAlarm.DimensionProperty { Name = dimension, Value = value } },
            Statistic = "Maximum",
            Period = 60,
            EvaluationPeriods = 1,
            Threshold = 1,
            ComparisonOperator = "GreaterThanOrEqualToThreshold",
            AlarmActions = [topic.Ref],
        });
}
