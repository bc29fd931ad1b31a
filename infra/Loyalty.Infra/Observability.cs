using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.GuardDuty;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Loyalty.Core;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: thresholds, alarm e-mail, log retention, GuardDuty.</param>
/// <param name="Fleet">The API fleet whose load balancer, targets and instances are watched.</param>
/// <param name="Database">The database whose CPU, storage and connections are watched.</param>
/// <param name="DeadLetterQueues">Every dead-letter queue: none should ever hold a message.</param>
public sealed record ObservabilityProps
{
    public required StageConfig Stage { get; init; }

    public required ApiFleet Fleet { get; init; }

    public required Database Database { get; init; }

    public required IReadOnlyList<IQueue> DeadLetterQueues { get; init; }

    /// <summary>Encrypts the API's log group.</summary>
    public required IKey LogKey { get; init; }
}

/// <summary>
/// What tells operations the stage is unwell: the CloudWatch agent configuration the API instances fetch from SSM
/// (memory, root disk, TCP connections, IO wait, CPU steal), an encrypted ops topic that e-mails the stage's
/// address, alarms on the ALB, the database and every dead-letter queue (policy LOY-OBS-2/3), a dashboard, and
/// the account's GuardDuty detector where the stage owns it.
/// </summary>
public sealed class Observability : Construct
{
    /// <summary>The agent configuration shipped for the instances, relative to the repository root.</summary>
    public const string AgentConfigFile = "app/deploy/cloudwatch-agent.json";

    /// <summary>Stands for the stage name in <see cref="AgentConfigFile"/>; filled in when it is stored in SSM.</summary>
    public const string StagePlaceholder = "__STAGE__";

    // Published by the agent (cloudwatch-agent.json). The HTTP and SSH counts arrive through the agent's StatsD
    // listener: the agent's netstat plugin only counts by TCP state, not by port, so the install step (issue 7)
    // runs a one-minute timer that sends `ss` counts for the app port and port 22 as StatsD gauges.
    public const string MemoryUsedMetric = "mem_used_percent";
    public const string DiskUsedMetric = "disk_used_percent";
    public const string TcpEstablishedMetric = "netstat_tcp_established";
    public const string HttpConnectionsMetric = "tcp_connections_http";
    public const string SshConnectionsMetric = "tcp_connections_ssh";
    public const string IoWaitMetric = "cpu_usage_iowait";
    public const string StealMetric = "cpu_usage_steal";

    /// <summary>The fulfilment watch's oldest-unpublished-event age, in seconds; its other gauges are counts.</summary>
    public const string OutboxBacklogMetric = "OutboxBacklog";

    private const double BytesPerGiB = 1024d * 1024 * 1024;

    /// <summary>SSM's standard tier holds at most 4 KB; a larger agent configuration needs the advanced tier.</summary>
    private const int StandardParameterLimit = 4096;

    /// <summary>GuardDuty's "High" band starts at 7; lower findings stay on the console rather than paging someone.</summary>
    private const int GuardDutyHighSeverity = 7;

    private readonly List<Alarm> alarms = [];

    /// <summary>What a publisher needs of an encrypted topic's key.</summary>
    private static readonly string[] TopicKeyActions = ["kms:Decrypt", "kms:GenerateDataKey*"];

    /// <summary>SNS names the topic in the encryption context of every data key it asks for.</summary>
    private const string TopicContext = "kms:EncryptionContext:aws:sns:topicArn";

    public Observability(Construct scope, string id, ObservabilityProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var fleet = props.Fleet;
        var database = props.Database;
        var deadLetterQueues = props.DeadLetterQueues;
        var settings = stage.Observability;
        Namespace = MetricNamespace(stage.Name);

        (AgentConfigParameter, AgentConfigRead) = PublishAgentConfig(stage);
        (Key, Topic) = OpsTopic(stage);
        var notify = new SnsAction(Topic);
        (Alb5xxAlarm, LatencyAlarm, UnhealthyHostsAlarm) = WatchFleet(settings, fleet, notify);
        (RdsCpuAlarm, RdsFreeStorageAlarm, RdsUnreachableAlarm) = WatchDatabase(settings, database, notify);
        var queueDepths = WatchDeadLetterQueues(deadLetterQueues, notify);
        (AppLogGroup, AppLogMetrics) = WatchAppLogs(stage, fleet, props.LogKey, notify);
        PipelineMetrics = WatchPipeline(AppLogGroup, notify);
        Dashboard = BuildDashboard(stage, fleet, database, queueDepths);
        if (settings.GuardDuty)
        {
            Detector = DetectThreats(stage);
        }
    }

    /// <summary>The ops topic every alarm notifies (CMK-encrypted, TLS only, e-mailing the stage's address).</summary>
    public Topic Topic { get; }

    /// <summary>The topic's key: CloudWatch (and EventBridge, where GuardDuty findings are forwarded) may use it to publish.</summary>
    public Key Key { get; }

    /// <summary>Every alarm this construct made, each with the topic as its alarm and OK action.</summary>
    public IReadOnlyList<Alarm> Alarms => alarms;

    public Alarm Alb5xxAlarm { get; }

    public Alarm LatencyAlarm { get; }

    public Alarm UnhealthyHostsAlarm { get; }

    public Alarm RdsCpuAlarm { get; }

    public Alarm RdsFreeStorageAlarm { get; }

    /// <summary>
    /// The database's own alarm: the target group checks liveness, so a database outage no longer shows as unhealthy
    /// hosts. Every instance's worker holds a pooled connection, so none at all means the fleet cannot reach it.
    /// </summary>
    public Alarm RdsUnreachableAlarm { get; }

    public Dashboard Dashboard { get; }

    /// <summary>The API's JSON log lines, shipped by the agent (cloudwatch-agent.json), under the log key, kept for the stage's retention.</summary>
    public LogGroup AppLogGroup { get; }

    /// <summary>The fulfilment watch's gauges (<see cref="PipelineWatchLine"/>) read from <see cref="AppLogGroup"/>, by metric name; each has an alarm.</summary>
    public IReadOnlyDictionary<string, IMetric> PipelineMetrics { get; }

    /// <summary>What the metric filters count in <see cref="AppLogGroup"/>, by metric name; each has an alarm.</summary>
    public IReadOnlyDictionary<string, IMetric> AppLogMetrics { get; }

    /// <summary>The API's log group, as the agent configuration names it with <see cref="StagePlaceholder"/>.</summary>
    public static string AppLogGroupName(string stage) => $"/loyalty/{stage}/api";

    /// <summary>The stored agent configuration the instances fetch.</summary>
    public StringParameter AgentConfigParameter { get; }

    /// <summary>Only where the stage owns the account's detector (<c>observability.guardDuty</c>).</summary>
    public CfnDetector? Detector { get; }

    /// <summary>What the instances need to load <see cref="AgentConfigParameter"/>; the stack grants it to the fleet.</summary>
    public PolicyStatement AgentConfigRead { get; }

    /// <summary>The CloudWatch namespace of the agent's metrics.</summary>
    public string Namespace { get; }

    public static string MetricNamespace(string stage) => $"Loyalty/{stage}";

    public static string AgentConfigParameterName(string stage) => $"/loyalty/{stage}/cloudwatch-agent";

    /// <summary>The shipped agent configuration, compacted, with the stage's namespace filled in.</summary>
    public static string AgentConfig(string stage)
    {
        using var resource = typeof(Observability).Assembly.GetManifestResourceStream(Path.GetFileName(AgentConfigFile))
            ?? throw new InvalidOperationException($"{AgentConfigFile} is not built into {typeof(Observability).Assembly.GetName().Name}");
        using var reader = new StreamReader(resource);
        var text = reader.ReadToEnd();
        if (!text.Contains(StagePlaceholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{AgentConfigFile}: the namespace must contain {StagePlaceholder}");
        }

        var compact = (JsonNode.Parse(text) ?? throw new InvalidOperationException($"{AgentConfigFile}: empty")).ToJsonString();
        return compact.Replace(StagePlaceholder, stage, StringComparison.Ordinal);
    }

    private Alarm AddAlarm(string id, IMetric metric, double threshold, ComparisonOperator comparison, int evaluationPeriods,
        int datapointsToAlarm, TreatMissingData missing, IAlarmAction action, string description)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = datapointsToAlarm,
            TreatMissingData = missing,
            ActionsEnabled = true,
        });
        alarm.AddAlarmAction(action);
        // The all-clear goes to the same people, so nobody chases a problem that has passed.
        alarm.AddOkAction(action);
        alarms.Add(alarm);
        return alarm;
    }

    private Dashboard BuildDashboard(StageConfig stage, ApiFleet fleet, Database database, List<IMetric> queueDepths)
    {
        var alb = fleet.LoadBalancer.Metrics;
        var target = fleet.TargetGroup.Metrics;
        var db = database.Instance;
        var minute = Duration.Minutes(1);
        var asg = new Dictionary<string, string> { ["AutoScalingGroupName"] = fleet.AutoScalingGroup.AutoScalingGroupName };
        MetricOptions Sum(string label) => new() { Statistic = Stats.SUM, Period = minute, Label = label };
        // The agent aggregates its metrics per auto-scaling group (aggregation_dimensions), which these read.
        Metric Agent(string name, string label, string statistic = "Average") => new(new MetricProps
        {
            Namespace = Namespace,
            MetricName = name,
            DimensionsMap = asg,
            Statistic = statistic,
            Period = minute,
            Label = label,
        });
        GraphWidget Graph(string title, IMetric[] left, IMetric[]? right = null) =>
            new(new GraphWidgetProps { Title = title, Left = left, Right = right, Width = 8, Height = 6 });

        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"Loyalty-{stage.Name}",
            DefaultInterval = Duration.Hours(3),
        });
        dashboard.AddWidgets(
            Graph("Requests", [alb.RequestCount(Sum("Requests"))]),
            Graph("HTTP 4xx / 5xx",
            [
                alb.HttpCodeTarget(HttpCodeTarget.TARGET_4XX_COUNT, Sum("Target 4xx")),
                alb.HttpCodeElb(HttpCodeElb.ELB_4XX_COUNT, Sum("ALB 4xx")),
                alb.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, Sum("Target 5xx")),
                alb.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, Sum("ALB 5xx")),
            ]),
            Graph("Target latency (s)",
            [
                alb.TargetResponseTime(new MetricOptions { Statistic = Stats.P(50), Period = minute, Label = "p50" }),
                alb.TargetResponseTime(new MetricOptions { Statistic = Stats.P(99), Period = minute, Label = "p99" }),
            ]));
        dashboard.AddWidgets(
            Graph("Hosts",
            [
                target.HealthyHostCount(new MetricOptions { Statistic = Stats.MINIMUM, Period = minute, Label = "Healthy" }),
                target.UnhealthyHostCount(new MetricOptions { Statistic = Stats.MAXIMUM, Period = minute, Label = "Unhealthy" }),
            ]),
            Graph("Fleet CPU / memory / disk (%)",
            [
                new Metric(new MetricProps
                {
                    Namespace = "AWS/EC2",
                    MetricName = "CPUUtilization",
                    DimensionsMap = asg,
                    Statistic = Stats.AVERAGE,
                    Period = minute,
                    Label = "CPU",
                }),
                Agent(MemoryUsedMetric, "Memory used"),
                Agent(DiskUsedMetric, "Root disk used"),
            ]),
            Graph("IO wait / CPU steal (%)", [Agent(IoWaitMetric, "IO wait"), Agent(StealMetric, "Steal")]));
        dashboard.AddWidgets(
            Graph("TCP connections",
            [
                Agent(TcpEstablishedMetric, "All established", Stats.MAXIMUM),
                Agent(HttpConnectionsMetric, $"HTTP (:{stage.Fleet.AppPort.ToString(CultureInfo.InvariantCulture)})", Stats.MAXIMUM),
                Agent(SshConnectionsMetric, $"SSH (:{ApiFleet.SshPort.ToString(CultureInfo.InvariantCulture)})", Stats.MAXIMUM),
            ]),
            Graph("Database CPU (%) / connections",
                [db.MetricCPUUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = minute, Label = "CPU" })],
                [db.MetricDatabaseConnections(new MetricOptions { Statistic = Stats.MAXIMUM, Period = minute, Label = "Connections" })]),
            Graph("Database free storage (bytes)",
                [db.MetricFreeStorageSpace(new MetricOptions { Statistic = Stats.MINIMUM, Period = minute, Label = "Free storage" })]));
        IMetric[] Labelled(IEnumerable<KeyValuePair<string, IMetric>> metrics) =>
            [.. metrics.Select(m => ((Metric)m.Value).With(new MetricOptions { Label = m.Key }))];
        dashboard.AddWidgets(
            Graph("API log: ops alerts, errors, failing fulfilment steps", Labelled(AppLogMetrics)),
            Graph("Fulfilment: oldest unpublished event (s) / stuck batches, missed cutoffs",
                Labelled(PipelineMetrics.Where(m => m.Key == OutboxBacklogMetric)),
                Labelled(PipelineMetrics.Where(m => m.Key != OutboxBacklogMetric))));
        if (queueDepths.Count > 0)
        {
            dashboard.AddWidgets(new GraphWidget(new GraphWidgetProps
            {
                Title = "Dead-letter queue depth",
                Left = [.. queueDepths],
                Width = 12,
                Height = 6,
            }));
        }

        dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
        {
            Title = "Alarms",
            Alarms = [.. alarms],
            Width = 24,
            Height = 3,
        }));
        return dashboard;
    }

    /// <summary>The agent configuration in SSM, and what the instances need to read it.</summary>
    private (StringParameter Parameter, PolicyStatement Read) PublishAgentConfig(StageConfig stage)
    {
        var agentConfig = AgentConfig(stage.Name);
        var parameter = new StringParameter(this, "AgentConfig", new StringParameterProps
        {
            ParameterName = AgentConfigParameterName(stage.Name),
            Description = $"Loyalty {stage.Name}: CloudWatch agent configuration (amazon-cloudwatch-agent-ctl -c ssm:<name>)",
            StringValue = agentConfig,
            Tier = agentConfig.Length > StandardParameterLimit ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
        });
        // GetParameter alone is what `-c ssm:` calls; GrantRead would add GetParameters, GetParameterHistory and
        // DescribeParameters, which the agent never uses.
        var read = new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ssm:GetParameter"],
            Resources = [parameter.ParameterArn],
        });
        return (parameter, read);
    }

    /// <summary>The ops topic and its key.</summary>
    private (Key Key, Topic Topic) OpsTopic(StageConfig stage)
    {
        var settings = stage.Observability;
        // LogKey's policy admits only CloudWatch Logs; alarms publishing to an encrypted topic need CloudWatch itself
        // to use the key, so the topic has its own.
        var key = StageResources.CustomerKey(this, "TopicKey", stage, "ops alarm topic");
        key.AddToResourcePolicy(StageResources.ServiceKeyUse(this, "cloudwatch.amazonaws.com", TopicKeyActions, TopicContext, "sns", "*"));

        var topic = new Topic(this, "Topic", new TopicProps
        {
            DisplayName = $"Loyalty {stage.Name} alarms",
            MasterKey = key,
            EnforceSSL = true,
        });
        topic.AddSubscription(new EmailSubscription(settings.AlarmEmail));
        // A topic policy replaces SNS's default one, so CloudWatch alarms of this account are let in by name.
        var stack = Stack.Of(this);
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = stack.FormatArn(new ArnComponents
                    {
                        Service = "cloudwatch",
                        Resource = "alarm",
                        ResourceName = "*",
                        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                    }),
                },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
            },
        }));
        return (key, topic);
    }

    /// <summary>The load balancer's 5xx rate and p99 latency, and the targets' health.</summary>
    private (Alarm ErrorRate, Alarm Latency, Alarm UnhealthyHosts) WatchFleet(ObservabilitySettings settings, ApiFleet fleet, SnsAction notify)
    {
        var alb = fleet.LoadBalancer.Metrics;
        var target = fleet.TargetGroup.Metrics;
        var minute = Duration.Minutes(1);
        var fiveMinutes = Duration.Minutes(5);

        var requests = alb.RequestCount(new MetricOptions { Statistic = Stats.SUM, Period = minute });
        var elb5xx = alb.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = minute });
        var target5xx = alb.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = minute });
        var errorRate = new MathExpression(new MathExpressionProps
        {
            // The ALB emits 5xx counts only when there are some: FILL makes a quiet minute 0 %, and a minute without
            // requests divides by nothing and yields no point (treated as not breaching).
            Expression = "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests",
            UsingMetrics = new Dictionary<string, IMetric> { ["elb5xx"] = elb5xx, ["target5xx"] = target5xx, ["requests"] = requests },
            Label = "5xx % of requests",
            Period = minute,
        });
        var errorRateAlarm = AddAlarm("Alb5xxRate", errorRate, settings.Alb5xxPercent, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3,
            TreatMissingData.NOT_BREACHING, notify,
            $"ALB and target 5xx above {Format(settings.Alb5xxPercent)} % of requests in 3 of 5 minutes");

        var p99 = alb.TargetResponseTime(new MetricOptions { Statistic = Stats.P(99), Period = minute });
        var latencyAlarm = AddAlarm("TargetLatencyP99", p99, settings.P99LatencySeconds, ComparisonOperator.GREATER_THAN_THRESHOLD, 5, 3,
            TreatMissingData.NOT_BREACHING, notify,
            $"Target response time p99 above {Format(settings.P99LatencySeconds)} s in 3 of 5 minutes");

        var unhealthy = target.UnhealthyHostCount(new MetricOptions { Statistic = Stats.MAXIMUM, Period = minute });
        var unhealthyAlarm = AddAlarm("UnhealthyHosts", unhealthy, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, 3,
            TreatMissingData.NOT_BREACHING, notify,
            $"An API instance has failed {HealthPaths.Live} for 3 minutes: its process hangs or is gone (a replacement normally fixes it sooner)");
        return (errorRateAlarm, latencyAlarm, unhealthyAlarm);
    }

    private (Alarm Cpu, Alarm FreeStorage, Alarm Unreachable) WatchDatabase(ObservabilitySettings settings, Database database, SnsAction notify)
    {
        var fiveMinutes = Duration.Minutes(5);
        // RDS reports every minute while the instance runs; a gap means it is stopped or being replaced, which RDS
        // events report, so the alarm keeps its state rather than guess.
        var rdsCpu = database.Instance.MetricCPUUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = fiveMinutes });
        var cpuAlarm = AddAlarm("RdsCpu", rdsCpu, settings.RdsCpuPercent, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, 3,
            TreatMissingData.MISSING, notify,
            $"Database CPU above {Format(settings.RdsCpuPercent)} % for 15 minutes");

        var freeStorage = database.Instance.MetricFreeStorageSpace(new MetricOptions { Statistic = Stats.MINIMUM, Period = fiveMinutes });
        var storageAlarm = AddAlarm("RdsFreeStorage", freeStorage, settings.RdsFreeStorageGiB * BytesPerGiB,
            ComparisonOperator.LESS_THAN_THRESHOLD, 1, 1, TreatMissingData.MISSING, notify,
            $"Database free storage below {settings.RdsFreeStorageGiB} GiB (autoscaling storage may have reached its maximum)");

        // Here a gap is the news: a database that stopped reporting is as unreachable as one with no connections.
        var connections = database.Instance.MetricDatabaseConnections(new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(1) });
        var unreachableAlarm = AddAlarm("RdsUnreachable", connections, 1, ComparisonOperator.LESS_THAN_THRESHOLD, 3, 3,
            TreatMissingData.BREACHING, notify,
            "No API instance has held a database connection for 3 minutes: the database is down, failing over or refusing "
            + "the fleet. The fleet stays in service and answers 503 with Retry-After until it is back");
        return (cpuAlarm, storageAlarm, unreachableAlarm);
    }

    /// <summary>
    /// The API's log group, and a metric filter with an alarm for each kind of line someone must hear about: an OPS
    /// ALERT (a refused or quarantined handback, a poison message), any error logged (a 500 included), and a failing
    /// fulfilment step (event 3902).
    /// </summary>
    private (LogGroup Group, IReadOnlyDictionary<string, IMetric> Metrics) WatchAppLogs(StageConfig stage, ApiFleet fleet, IKey logKey, SnsAction notify)
    {
        var group = new LogGroup(this, "AppLogs", new Amazon.CDK.AWS.Logs.LogGroupProps
        {
            LogGroupName = AppLogGroupName(stage.Name),
            EncryptionKey = logKey,
            Retention = Network.Retention(stage.Observability.LogRetentionDays),
            RemovalPolicy = StageResources.Removal(stage),
        });
        // The agent would create a missing group itself, without the key and retention, and the stack's would then
        // fail to create: instances launch only once it exists.
        fleet.AutoScalingGroup.Node.AddDependency(group);

        var filters = new (string Name, string Pattern, string Description)[]
        {
            ("OpsAlerts", "\"OPS ALERT\"", "An OPS ALERT was logged: a handback refused or quarantined, or a poison message; its line says what to do"),
            ("AppErrors", "{ ($.LogLevel = \"Error\") || ($.LogLevel = \"Critical\") }", "The API logged an error (an unhandled exception answers 500)"),
            ("WorkerStepFailures", "{ $.EventId = 3902 }", "A fulfilment step failed (export, handback listing, ingest or sweep); it is retried every tick until fixed"),
        };
        var metrics = new Dictionary<string, IMetric>();
        foreach (var (name, pattern, description) in filters)
        {
            var filter = group.AddMetricFilter(name, new MetricFilterOptions
            {
                FilterPattern = FilterPattern.Literal(pattern),
                MetricNamespace = Namespace,
                MetricName = name,
                MetricValue = "1",
                DefaultValue = 0,
            });
            var metric = filter.Metric(new MetricOptions { Statistic = Stats.SUM, Period = Duration.Minutes(5) });
            AddAlarm(name, metric, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING, notify, description);
            metrics[name] = metric;
        }

        return (group, metrics);
    }

    /// <summary>
    /// The fulfilment watch's line, logged each minute by every instance (the same numbers from each), as three
    /// gauges with an alarm each: what is stuck without anything failing loudly.
    /// </summary>
    private Dictionary<string, IMetric> WatchPipeline(LogGroup group, SnsAction notify)
    {
        var gauges = new (string Name, string Field, int Threshold, string Description)[]
        {
            (OutboxBacklogMetric, PipelineWatchLine.OldestUnpublishedSeconds, PipelineWatchLine.OldestUnpublishedAlarmSeconds,
                $"A bank's oldest notification has waited over {PipelineWatchLine.OldestUnpublishedAlarmSeconds / 60} minutes for its "
                + "queue: the queue refuses it (deleted, its key policy), the bank polls the feed meanwhile; the log says which bank"),
            ("StuckBatches", PipelineWatchLine.StuckBatches, 0,
                $"A batch's file has not been confirmed for {PipelineWatchLine.StuckBatchMinutes} minutes: S3 or the database refuses "
                + "the export, and the partner has no file"),
            ("MissedCutoffs", PipelineWatchLine.ProgrammesPastCutoff, 0,
                $"A programme's cutoff passed {PipelineWatchLine.MissedCutoffMinutes} minutes ago with no export for it: the log line "
                + "names the programme"),
        };
        var metrics = new Dictionary<string, IMetric>();
        foreach (var (name, field, threshold, description) in gauges)
        {
            var filter = group.AddMetricFilter(name, new MetricFilterOptions
            {
                FilterPattern = FilterPattern.Literal($"{{ $.EventId = {PipelineWatchLine.EventId.ToString(CultureInfo.InvariantCulture)} }}"),
                MetricNamespace = Namespace,
                MetricName = name,
                MetricValue = $"$.State.{field}",
            });
            var metric = filter.Metric(new MetricOptions { Statistic = Stats.MAXIMUM, Period = Duration.Minutes(5) });
            // No line means no worker runs: the fleet's own alarms (unhealthy hosts, 5xx) say so, not these.
            AddAlarm(name, metric, threshold, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING, notify, description);
            metrics[name] = metric;
        }

        return metrics;
    }

    /// <summary>An alarm per dead-letter queue; returns their depths for the dashboard.</summary>
    private List<IMetric> WatchDeadLetterQueues(IReadOnlyList<IQueue> deadLetterQueues, SnsAction notify)
    {
        var fiveMinutes = Duration.Minutes(5);
        var queueDepths = new List<IMetric>();
        foreach (var queue in deadLetterQueues)
        {
            var depth = queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions
            {
                Statistic = Stats.MAXIMUM,
                Period = fiveMinutes,
            });
            // Labelled only on the dashboard: a label would turn the alarm into a metric-math alarm.
            queueDepths.Add(depth.With(new MetricOptions { Label = queue.Node.Id }));
            // SQS stops reporting a queue only while it is empty and idle, so no data means nothing to look at.
            AddAlarm($"DlqNotEmpty{ConstructIdOf(queue)}", depth, 0, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, 1,
                TreatMissingData.NOT_BREACHING, notify,
                $"Dead-letter queue {queue.Node.Path} holds messages that failed processing: inspect and redrive");
        }

        return queueDepths;
    }

    /// <summary>GuardDuty, with its high-severity findings sent to the ops topic.</summary>
    private CfnDetector DetectThreats(StageConfig stage)
    {
        var detector = new CfnDetector(this, "GuardDuty", new CfnDetectorProps
        {
            Enable = true,
            FindingPublishingFrequency = "FIFTEEN_MINUTES",
        });
        // Findings nobody reads protect nothing: high-severity ones go to the same people as the alarms.
        var findings = new Rule(this, "GuardDutyHighFindings", new RuleProps
        {
            Description = $"Loyalty {stage.Name}: GuardDuty findings of severity {GuardDutyHighSeverity} or more to the ops topic",
            EventPattern = new EventPattern
            {
                Source = ["aws.guardduty"],
                DetailType = ["GuardDuty Finding"],
                Detail = new Dictionary<string, object>
                {
                    ["severity"] = new object[] { new Dictionary<string, object> { ["numeric"] = new object[] { ">=", GuardDutyHighSeverity } } },
                },
            },
        });
        findings.AddTarget(new SnsTopic(Topic));
        Key.AddToResourcePolicy(StageResources.ServiceKeyUse(this, "events.amazonaws.com", TopicKeyActions, TopicContext, "sns", "*"));
        return detector;
    }

    private static string ConstructIdOf(IConstruct queue) =>
        string.Concat(queue.Node.Path.Split('/').Skip(1).Select(part => new string([.. part.Where(char.IsAsciiLetterOrDigit)])));

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

}
