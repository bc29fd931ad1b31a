namespace Loyalty.Infra.PolicyGate;

public static class ResilienceRules
{
    public const int RequiredZones = 3;

    public static readonly PolicyRule SelfHealingFleet = new(
        "LOY-RES-1", Severity.Error, "Resilience", "Replace bad hosts; survive an AZ loss",
        "use HealthCheck.Elb with a Grace, attach the group to the target group, and place it and the ALB in the same 3 AZs (the group in the private-app subnets)",
        (r, ctx) => r.Type != "AWS::AutoScaling::AutoScalingGroup" ? [] : FleetFaults(r, ctx));

    public static readonly PolicyRule CpuScaling = new(
        "LOY-RES-3", Severity.Error, "Resilience", "Capacity follows load without flapping",
        "add a scale-out and a scale-in CfnScalingPolicy (SimpleScaling, ChangeInCapacity +1/-1, Cooldown set), each the AlarmActions of a CPUUtilization alarm",
        (r, ctx) => r.Type != "AWS::AutoScaling::AutoScalingGroup" ? [] : ScalingFaults(r, ctx));

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
        var tables = ctx.OfType("AWS::EC2::SubnetRouteTableAssociation")
            .Where(a => Cfn.ReferencedId(a.Properties.Get("SubnetId")) == subnet.LogicalId)
            .Select(a => Cfn.ReferencedId(a.Properties.Get("RouteTableId")))
            .ToHashSet();
        return !subnet.Properties.Get("MapPublicIpOnLaunch").IsTrue() && ctx.OfType("AWS::EC2::Route").Any(route =>
            tables.Contains(Cfn.ReferencedId(route.Properties.Get("RouteTableId")))
            && route.Properties.Get("DestinationCidrBlock").Text() == "0.0.0.0/0"
            && route.Properties.Get("NatGatewayId") is not null);
    }
}
