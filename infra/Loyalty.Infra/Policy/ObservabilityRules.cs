namespace Loyalty.Infra.PolicyGate;

public static class ObservabilityRules
{
    public const int ProdMinRetentionDays = 365;
    public const int DevMinRetentionDays = 30;

    public static readonly PolicyRule EncryptedRetainedLogs = new(
        "LOY-OBS-1", Severity.Error, "Observability", "Logs hold partner data",
        $"set EncryptionKey to the stack's log key and Retention to at least {ProdMinRetentionDays} days in prod and {DevMinRetentionDays} in dev",
        (r, ctx) =>
        {
            if (r.Type != "AWS::Logs::LogGroup")
            {
                return [];
            }

            var faults = new List<string>();
            if (r.Properties.Get("KmsKeyId") is null)
            {
                faults.Add("KmsKeyId is not set");
            }

            var min = ctx.IsProduction ? ProdMinRetentionDays : DevMinRetentionDays;
            if (r.Properties.Get("RetentionInDays").Number() is not { } days || days < min)
            {
                faults.Add($"RetentionInDays is below {min} days for {ctx.Stage} (or unset: kept forever)");
            }

            return faults;
        });

    public static readonly PolicyRule AlarmsAct = new(
        "LOY-OBS-2", Severity.Error, "Observability", "Unheard alarms are useless",
        "add an action (alarm.AddAlarmAction(new SnsAction(topic)) or a scaling policy) and keep ActionsEnabled on",
        (r, _) =>
        {
            if (r.Type != "AWS::CloudWatch::Alarm")
            {
                return [];
            }

            var faults = new List<string>();
            if (r.Properties.Get("ActionsEnabled") is { } enabled && !enabled.IsTrue())
            {
                faults.Add("ActionsEnabled is false");
            }

            if (!r.Properties.Get("AlarmActions").Items().Any())
            {
                faults.Add("AlarmActions is empty");
            }

            return faults;
        });

    private static readonly (string Namespace, string[] Metrics, string What)[] LoadBalancerAlarms =
    [
        ("AWS/ApplicationELB", ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"], "5xx responses"),
        ("AWS/ApplicationELB", ["TargetResponseTime"], "TargetResponseTime"),
        ("AWS/ApplicationELB", ["UnHealthyHostCount"], "UnHealthyHostCount"),
    ];

    private static readonly (string Namespace, string[] Metrics, string What)[] DatabaseAlarms =
    [
        ("AWS/RDS", ["CPUUtilization"], "CPUUtilization"),
        ("AWS/RDS", ["FreeStorageSpace"], "FreeStorageSpace"),
    ];

    public static readonly PolicyRule OutagesPage = new(
        "LOY-OBS-3", Severity.Warning, "Observability", "Outages page someone",
        "alarm on the load balancer's 5xx, TargetResponseTime and UnHealthyHostCount and on the database's CPUUtilization and "
        + "FreeStorageSpace, and subscribe the stage's e-mail to the alarm topic",
        (r, ctx) => r.Type switch
        {
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => MissingAlarms(r, ctx, LoadBalancerAlarms),
            "AWS::RDS::DBInstance" => MissingAlarms(r, ctx, DatabaseAlarms),
            "AWS::SNS::Topic" when IsAlarmTopic(r, ctx) && !HasSubscriber(r, ctx) => ["the alarm topic has no subscriber"],
            _ => [],
        });

    /// <summary>
    /// Required alarms an <paramref name="watched"/> resource lacks. An alarm watches it when a metric of the alarm (plain
    /// or inside metric math) is in the namespace and names it, or one of its listeners, in a dimension.
    /// </summary>
    private static IEnumerable<string> MissingAlarms(PolicyResource watched, PolicyContext ctx, (string Namespace, string[] Metrics, string What)[] required)
    {
        var ids = ctx.ListenersOf(watched)
            .Select(l => l.LogicalId)
            .Append(watched.LogicalId)
            .ToList();
        var metrics = ctx.OfType("AWS::CloudWatch::Alarm")
            .Where(a => a.Properties.Get("AlarmActions").Items().Any())
            .SelectMany(a => a.Properties.Get("Metrics").Items().Select(m => m.At("MetricStat", "Metric")).Append(a.Properties))
            .Where(m => m.Get("MetricName") is not null && ids.Any(id => m.Get("Dimensions")?.ToJsonString().Contains($"\"{id}\"", StringComparison.Ordinal) == true))
            .Select(m => (Namespace: m.Get("Namespace").Text(), Name: m.Get("MetricName").Text()))
            .ToList();
        foreach (var (ns, names, what) in required)
        {
            if (!metrics.Any(m => m.Namespace == ns && names.Contains(m.Name)))
            {
                yield return $"no alarm with an action watches its {what}";
            }
        }
    }

    private static bool IsAlarmTopic(PolicyResource topic, PolicyContext ctx) =>
        ctx.OfType("AWS::CloudWatch::Alarm").Any(a => a.Properties.Get("AlarmActions").Items().Any(action => Cfn.ReferencedId(action) == topic.LogicalId));

    private static bool HasSubscriber(PolicyResource topic, PolicyContext ctx) =>
        topic.Properties.Get("Subscription").Items().Any()
        || ctx.OfType("AWS::SNS::Subscription").Any(s => Cfn.ReferencedId(s.Properties.Get("TopicArn")) == topic.LogicalId);
}
