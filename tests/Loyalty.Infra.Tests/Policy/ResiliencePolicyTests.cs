using Amazon.CDK;
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

    [Fact]
    public void Res2_RollingUpdateKeepingMinSizeAndAReadinessCheck_HasNoFinding()
    {
        var gate = new Gate();
        var asg = Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3);
        asg.CfnOptions.UpdatePolicy = new CfnUpdatePolicy
        {
            AutoScalingRollingUpdate = new CfnAutoScalingRollingUpdate { MinInstancesInService = 1, MaxBatchSize = 1 },
        };

        Assert.Empty(gate.Findings(ResilienceRules.ZeroDowntimeRollout.Id));
    }

    [Fact]
    public void Res2_ReplacingUpdate_HasNoFinding()
    {
        var gate = new Gate();
        var asg = Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3);
        asg.CfnOptions.UpdatePolicy = new CfnUpdatePolicy { AutoScalingReplacingUpdate = new CfnAutoScalingReplacingUpdate { WillReplace = true } };

        Assert.Empty(gate.Findings(ResilienceRules.ZeroDowntimeRollout.Id));
    }

    [Fact]
    public void Res2_RollingUpdateBelowMinSizeAndAReadinessCheck_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var asg = Fleet(gate, healthCheckType: "ELB", attached: true, subnetCount: 3, healthCheckPath: "/health/ready");
        asg.CfnOptions.UpdatePolicy = new CfnUpdatePolicy
        {
            AutoScalingRollingUpdate = new CfnAutoScalingRollingUpdate { MinInstancesInService = 0, MaxBatchSize = 1 },
        };

        var findings = gate.Errors(ResilienceRules.ZeroDowntimeRollout.Id);

        Gate.AssertFinding(findings, ResilienceRules.ZeroDowntimeRollout, "Gate-dev/Asg");
        Assert.Contains(findings, f => f.Contains("neither keeps MinInstancesInService", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("checks /health/ready, not the liveness path /health/live", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev", 1, false)]
    [InlineData("prod", 3, false)]
    [InlineData("prod", 1, true)]
    public void Res4_PrivateSubnetsRouteThroughTheirOwnAzsNat_InProd(string stage, int natGateways, bool fails)
    {
        var gate = new Gate(stage);
        _ = new Vpc(gate.Stack, "Vpc", new VpcProps { AvailabilityZones = Zones, NatGateways = natGateways });

        if (fails)
        {
            var findings = gate.Errors(ResilienceRules.NatPerZone.Id);
            Gate.AssertFinding(findings, ResilienceRules.NatPerZone, "Gate-prod/Vpc/PrivateSubnet2/Subnet");
            Gate.AssertFinding(findings, ResilienceRules.NatPerZone, "Gate-prod/Vpc/PrivateSubnet3/Subnet");
            Assert.DoesNotContain(findings, f => f.Contains("PrivateSubnet1", StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(gate.Findings(ResilienceRules.NatPerZone.Id));
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Res5_RetainedDataStores_HaveNoFinding(string stage)
    {
        var gate = new Gate(stage);
        _ = new Amazon.CDK.AWS.S3.Bucket(gate.Stack, "Files");
        _ = new Amazon.CDK.AWS.KMS.Key(gate.Stack, "Key", new Amazon.CDK.AWS.KMS.KeyProps { PendingWindow = Amazon.CDK.Duration.Days(30) });
        _ = new Amazon.CDK.AWS.Logs.LogGroup(gate.Stack, "Logs");
        _ = new Amazon.CDK.AWS.Cognito.UserPool(gate.Stack, "Pool", new Amazon.CDK.AWS.Cognito.UserPoolProps { DeletionProtection = true });

        Assert.Empty(gate.Findings(ResilienceRules.RetainData.Id));
    }

    [Theory]
    [InlineData("dev", false)]
    [InlineData("prod", true)]
    public void Res5_DestroyedDataStores_FailOnlyInProd(string stage, bool fails)
    {
        var gate = new Gate(stage);
        var destroy = new Amazon.CDK.AWS.S3.BucketProps { RemovalPolicy = Amazon.CDK.RemovalPolicy.DESTROY };
        _ = new Amazon.CDK.AWS.S3.Bucket(gate.Stack, "Files", destroy);
        _ = new Amazon.CDK.AWS.KMS.Key(gate.Stack, "Key");
        _ = new Amazon.CDK.AWS.Logs.LogGroup(gate.Stack, "Logs", new Amazon.CDK.AWS.Logs.LogGroupProps { RemovalPolicy = Amazon.CDK.RemovalPolicy.DESTROY });
        _ = new Amazon.CDK.AWS.Cognito.UserPool(gate.Stack, "Pool");

        var findings = gate.Errors(ResilienceRules.RetainData.Id);

        if (fails)
        {
            Gate.AssertFinding(findings, ResilienceRules.RetainData, "Gate-prod/Files/Resource");
            Gate.AssertFinding(findings, ResilienceRules.RetainData, "Gate-prod/Logs/Resource");
            Assert.Contains(findings, f => f.Contains("Gate-prod/Key/Resource: PendingWindowInDays is not 30", StringComparison.Ordinal));
            Assert.Contains(findings, f => f.Contains("Gate-prod/Pool/Resource: the user pool's DeletionProtection is not ACTIVE", StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(gate.Findings(ResilienceRules.RetainData.Id));
        }
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

    private static CfnAutoScalingGroup Fleet(Gate gate, string healthCheckType, bool attached, int subnetCount, string healthCheckPath = "/health/live")
    {
        var vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { AvailabilityZones = Zones, NatGateways = 1 });
        var template = new CfnLaunchTemplate(gate.Stack, "Template", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty { ImageId = "ami-12345678" },
        });
        var targets = new CfnTargetGroup(gate.Stack, "Targets", new CfnTargetGroupProps { VpcId = vpc.VpcId, Port = 8080, Protocol = "HTTP", HealthCheckPath = healthCheckPath });
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
