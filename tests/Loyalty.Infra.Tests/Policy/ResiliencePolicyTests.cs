using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class ResiliencePolicyTests
{
    private static readonly string[] Zones = [Gate.Region + "a", Gate.Region + "b", Gate.Region + "c"];

    [Fact]
    public void Res1_ElbCheckedGroupInThreePrivateAzsBehindTheAlb_HasNoFinding()
    {
        var gate = new Gate();
        Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3);

        Assert.Empty(gate.Findings(ResilienceRules.SelfHealingFleet.Id));
    }

    [Fact]
    public void Res1_Ec2CheckedUnattachedGroupInOneAz_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Fleet(gate, healthCheckType: "EC2", attached: false, subnetCount: 1);

        var findings = gate.Errors(ResilienceRules.SelfHealingFleet.Id);

        Gate.AssertFinding(findings, ResilienceRules.SelfHealingFleet, "Gate-dev/Asg");
        Assert.Contains(findings, f => f.Contains("not ELB", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("TargetGroupARNs is empty", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("1 subnets in 1 AZs", StringComparison.Ordinal));
    }

    [Fact]
    public void Res3_ScaleOutAndInOnCpuAlarmsWithCooldown_HasNoFinding()
    {
        var gate = new Gate();
        var asg = Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3);
        Scaling(gate, asg, "Out", 1, "60");
        Scaling(gate, asg, "In", -1, "60");

        Assert.Empty(gate.Findings(ResilienceRules.CpuScaling.Id));
    }

    [Fact]
    public void Res3_OnlyScaleOut_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var asg = Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3);
        Scaling(gate, asg, "Out", 1, "60");
        Scaling(gate, asg, "In", -1, null);

        var finding = Assert.Single(gate.Errors(ResilienceRules.CpuScaling.Id));
        Gate.AssertFinding([finding], ResilienceRules.CpuScaling, "Gate-dev/Asg");
        Assert.Contains("scale-in", finding, StringComparison.Ordinal);
    }

    private static void Scaling(Gate gate, CfnAutoScalingGroup asg, string id, int adjustment, string? cooldown)
    {
        var policy = new CfnScalingPolicy(gate.Stack, id, new CfnScalingPolicyProps
        {
            AutoScalingGroupName = asg.Ref, PolicyType = "SimpleScaling", AdjustmentType = "ChangeInCapacity", ScalingAdjustment = adjustment, Cooldown = cooldown,
        });
        _ = new Amazon.CDK.AWS.CloudWatch.CfnAlarm(gate.Stack, id + "Alarm", new Amazon.CDK.AWS.CloudWatch.CfnAlarmProps
        {
            Namespace = "AWS/EC2", MetricName = "CPUUtilization", Statistic = "Average", Period = 60, EvaluationPeriods = 1, Threshold = 50,
            ComparisonOperator = adjustment > 0 ? "GreaterThanThreshold" : "LessThanThreshold", AlarmActions = [policy.Ref],
        });
    }

    private static CfnAutoScalingGroup Fleet(Gate gate, string healthCheckType, bool attached, int subnetCount)
    {
        var vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { AvailabilityZones = Zones, NatGateways = 1 });
        var template = new CfnLaunchTemplate(gate.Stack, "Template", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty { ImageId = "ami-12345678" },
        });
        var targets = new CfnTargetGroup(gate.Stack, "Targets", new CfnTargetGroupProps { VpcId = vpc.VpcId, Port = 8080, Protocol = "HTTP" });
        _ = new CfnLoadBalancer(gate.Stack, "Alb", new CfnLoadBalancerProps { Subnets = vpc.PublicSubnets.Select(s => s.SubnetId).ToArray() });
        return new CfnAutoScalingGroup(gate.Stack, "Asg", new CfnAutoScalingGroupProps
        {
            MinSize = "1",
            MaxSize = "3",
            LaunchTemplate = new CfnAutoScalingGroup.LaunchTemplateSpecificationProperty { LaunchTemplateId = template.Ref, Version = template.AttrLatestVersionNumber },
            VpcZoneIdentifier = vpc.PrivateSubnets.Take(subnetCount).Select(s => s.SubnetId).ToArray(),
            HealthCheckType = healthCheckType,
            HealthCheckGracePeriod = 120,
            TargetGroupArns = attached ? [targets.Ref] : null,
        });
    }
}
