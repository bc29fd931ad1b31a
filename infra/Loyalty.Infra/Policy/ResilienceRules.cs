using Amazon.CDK;
using Loyalty.Core;

namespace Loyalty.Infra.PolicyGate;

public static class ResilienceRules
{
    public const int RequiredZones = 3;

    public const int KeyPendingWindowDays = 30;

    public static readonly PolicyRule SelfHealingFleet = new(
        "LOY-RES-1", Severity.Error, "Resilience", "Replace bad hosts; survive an AZ loss",
        "use HealthCheck.Elb with a Grace, attach the group to the target group, and place it and the ALB in the same 3 AZs (the group in the private-app subnets)",
        (r, ctx) => r.Type != "AWS::AutoScaling::AutoScalingGroup" ? [] : FleetFaults(r, ctx));

    public static readonly PolicyRule CpuScaling = new(
        "LOY-RES-3", Severity.Error, "Resilience", "Capacity follows load without flapping",
        "add a scale-out and a scale-in CfnScalingPolicy (SimpleScaling, ChangeInCapacity +1/-1, Cooldown set), each the AlarmActions of a CPUUtilization alarm",
        (r, ctx) => r.Type != "AWS::AutoScaling::AutoScalingGroup" ? [] : ScalingFaults(r, ctx));

    public static readonly PolicyRule ZeroDowntimeRollout = new(
        "LOY-RES-2", Severity.Error, "Resilience", "Zero-downtime AMI rollout; a database failover evicts no instance",
        $"use UpdatePolicy.RollingUpdate with MinInstancesInService at least MinSize (or UpdatePolicy.ReplacingUpdate()) and a target group health check on the liveness path {HealthPaths.Live}, never {HealthPaths.Ready} (it fails while the database fails over)",
        (r, ctx) => r.Type != "AWS::AutoScaling::AutoScalingGroup" ? [] : RolloutFaults(r, ctx));

    public static readonly PolicyRule NatPerZone = new(
        "LOY-RES-4", Severity.Warning, "Resilience", "Egress survives an AZ loss",
        "in prod set NatGateways to the number of AZs (stage file network.natGateways), so each private subnet routes through its own AZ's NAT",
        (r, ctx) => ctx.IsProduction && r.Type == "AWS::EC2::Subnet" ? NatFaults(r, ctx) : []);

    public static readonly PolicyRule RetainData = new(
        "LOY-RES-5", Severity.Warning, "Resilience", "A stack delete loses no data",
        $"in prod give buckets, KMS keys and log groups RemovalPolicy.RETAIN (keys with PendingWindow {KeyPendingWindowDays} days) and the user pool DeletionProtection",
        (r, ctx) => ctx.IsProduction ? RetentionFaults(r) : []);

    private static IEnumerable<string> RolloutFaults(PolicyResource r, PolicyContext ctx)
    {
        var update = r.Options?.UpdatePolicy;
        var keepsCapacity = update?.AutoScalingReplacingUpdate?.WillReplace == true
            || update?.AutoScalingRollingUpdate?.MinInstancesInService >= (r.Properties.Get("MinSize").Number() ?? double.MaxValue);
        if (!keepsCapacity)
        {
            yield return "the UpdatePolicy neither keeps MinInstancesInService at MinSize or above nor replaces the group";
        }

        foreach (var group in r.Properties.Get("TargetGroupARNs").Items().Select(ctx.Target).Where(g => g?.Properties.Get("HealthCheckPath").Text() != HealthPaths.Live))
        {
            yield return $"target group {group?.LogicalId ?? "(not in this stack)"} checks {group?.Properties.Get("HealthCheckPath").Text() ?? "its default path"}, not the liveness path {HealthPaths.Live}";
        }
    }

    private static IEnumerable<string> NatFaults(PolicyResource subnet, PolicyContext ctx)
    {
        var zone = subnet.Properties.Get("AvailabilityZone").Text();
        var nats = ctx.RoutesOf(subnet.LogicalId)
            .Select(route => ctx.Target(route.Properties.Get("NatGatewayId")))
            .Where(nat => nat?.Type == "AWS::EC2::NatGateway");
        foreach (var nat in nats)
        {
            var natZone = ctx.Target(nat!.Properties.Get("SubnetId"))?.Properties.Get("AvailabilityZone").Text();
            if (natZone != zone)
            {
                yield return $"the subnet in {zone} routes through NAT gateway {nat.LogicalId} in {natZone ?? "another AZ"}";
            }
        }
    }

    private static IEnumerable<string> RetentionFaults(PolicyResource r)
    {
        if (r.Type is "AWS::S3::Bucket" or "AWS::KMS::Key" or "AWS::Logs::LogGroup"
            && (r.Options?.DeletionPolicy != CfnDeletionPolicy.RETAIN || r.Options.UpdateReplacePolicy != CfnDeletionPolicy.RETAIN))
        {
            yield return "DeletionPolicy/UpdateReplacePolicy is not Retain";
        }

        if (r.Type == "AWS::KMS::Key" && r.Properties.Get("PendingWindowInDays").Number() != KeyPendingWindowDays)
        {
            yield return $"PendingWindowInDays is not {KeyPendingWindowDays}";
        }

        if (r.Type == "AWS::Cognito::UserPool" && r.Properties.Get("DeletionProtection").Text() != "ACTIVE")
        {
            yield return "the user pool's DeletionProtection is not ACTIVE";
        }
    }

    private static IEnumerable<string> ScalingFaults(PolicyResource r, PolicyContext ctx)
    {
        var cpuAlarmActions = ctx.OfType("AWS::CloudWatch::Alarm")
            .Where(a => a.Properties.Get("MetricName").Text() == "CPUUtilization")
            .SelectMany(a => a.Properties.Get("AlarmActions").Items().Select(Cfn.ReferencedId))
            .ToHashSet();
        var policies = ctx.OfType("AWS::AutoScaling::ScalingPolicy")
            .Where(p => Cfn.ReferencedId(p.Properties.Get("AutoScalingGroupName")) == r.LogicalId
                && p.Properties.Get("PolicyType").Text() == "SimpleScaling"
                && p.Properties.Get("Cooldown") is not null
                && cpuAlarmActions.Contains(p.LogicalId))
            .ToList();
        if (!policies.Any(p => p.Properties.Get("ScalingAdjustment").Number() > 0))
        {
            yield return "no SimpleScaling scale-out policy with a Cooldown is triggered by a CPU alarm";
        }

        if (!policies.Any(p => p.Properties.Get("ScalingAdjustment").Number() < 0))
        {
            yield return "no SimpleScaling scale-in policy with a Cooldown is triggered by a CPU alarm";
        }
    }

    private static IEnumerable<string> FleetFaults(PolicyResource r, PolicyContext ctx)
    {
        var p = r.Properties;
        if (p.Get("HealthCheckType").Text() != "ELB")
        {
            yield return $"HealthCheckType is {p.Get("HealthCheckType").Text() ?? "unset (EC2)"}, not ELB";
        }

        if (p.Get("HealthCheckGracePeriod") is null)
        {
            yield return "HealthCheckGracePeriod is not set";
        }

        if (!p.Get("TargetGroupARNs").Items().Any())
        {
            yield return "TargetGroupARNs is empty";
        }

        var subnets = p.Get("VPCZoneIdentifier").Items().Select(ctx.Target).ToList();
        var zones = subnets.Select(s => s?.Properties.Get("AvailabilityZone").Text()).Where(z => z is not null).ToHashSet();
        if (subnets.Count != RequiredZones || zones.Count != RequiredZones)
        {
            yield return $"VPCZoneIdentifier holds {subnets.Count} subnets in {zones.Count} AZs, not {RequiredZones} in {RequiredZones}";
        }

        foreach (var subnet in subnets.Where(s => s is not null && !IsPrivateApp(s, ctx)))
        {
            yield return $"subnet {subnet!.LogicalId} is not a private subnet with a NAT route";
        }

        foreach (var alb in ctx.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        {
            var albZones = alb.Properties.Get("Subnets").Items().Select(s => ctx.Target(s)?.Properties.Get("AvailabilityZone").Text()).ToHashSet();
            if (!albZones.SetEquals(zones))
            {
                yield return $"the load balancer {alb.LogicalId} is not in the same AZs as the group";
            }
        }
    }

    private static bool IsPrivateApp(PolicyResource subnet, PolicyContext ctx)
    {
        return !subnet.Properties.Get("MapPublicIpOnLaunch").IsTrue() && ctx.RoutesOf(subnet.LogicalId).Any(route =>
            route.Properties.Get("DestinationCidrBlock").Text() == "0.0.0.0/0"
            && route.Properties.Get("NatGatewayId") is not null);
    }
}
