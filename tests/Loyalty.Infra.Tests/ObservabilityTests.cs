using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Loyalty.Core;

namespace Loyalty.Infra.Tests;

/// <summary>
/// The Observability construct as both stages synthesise it: the agent configuration and its SSM copy, the ops
/// topic, the alarms (LOY-OBS-2/3), the dashboard and GuardDuty.
/// </summary>
[Collection(StagesSuite.Name)]
public sealed class ObservabilityTests(Stages stages)
{
    private static readonly string[] CustomMetrics =
    [
        Observability.MemoryUsedMetric, Observability.DiskUsedMetric, Observability.TcpEstablishedMetric,
        Observability.HttpConnectionsMetric, Observability.SshConnectionsMetric, Observability.IoWaitMetric, Observability.StealMetric,
    ];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Fact]
    public void AgentConfigFile_IsJson_CollectingMemoryDiskTcpIoWaitAndSteal_PerGroupAndInstance()
    {
        var config = AgentConfigFile();
        var metrics = config["metrics"]!;

        Assert.Equal($"Loyalty/{Observability.StagePlaceholder}", (string?)metrics["namespace"]);
        var dimensions = metrics["append_dimensions"]!.AsObject();
        Assert.Equal("${aws:AutoScalingGroupName}", (string?)dimensions["AutoScalingGroupName"]);
        Assert.Equal("${aws:InstanceId}", (string?)dimensions["InstanceId"]);
        // The dashboard reads the per-group roll-up.
        Assert.Contains(metrics["aggregation_dimensions"]!.AsArray(), d => d!.AsArray().Select(n => (string?)n).SequenceEqual(["AutoScalingGroupName"]));

        var collected = metrics["metrics_collected"]!;
        Assert.Equal(["/"], collected["disk"]!["resources"]!.AsArray().Select(n => (string?)n));
        Assert.True((bool?)collected["cpu"]!["totalcpu"]);
        // HTTP and SSH connection counts arrive as StatsD gauges on loopback only.
        Assert.StartsWith("127.0.0.1:", (string?)collected["statsd"]!["service_address"], StringComparison.Ordinal);

        var published = PublishedMetricNames(collected);
        foreach (var metric in new[] { Observability.MemoryUsedMetric, Observability.DiskUsedMetric, Observability.TcpEstablishedMetric, Observability.IoWaitMetric, Observability.StealMetric })
        {
            Assert.Contains(metric, published);
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AgentConfigParameter_HoldsTheFile_WithTheStageNamespace(string stage)
    {
        var (_, parameter) = Assert.Single(stages[stage].Resources("AWS::SSM::Parameter"),
            p => p.Properties.GetProperty("Name").ValueKind == JsonValueKind.String
                && p.Properties.GetProperty("Name").GetString() == Observability.AgentConfigParameterName(stage));
        var value = parameter.GetProperty("Value").GetString()!;

        Assert.Equal("String", parameter.GetProperty("Type").GetString());
        Assert.Equal(value.Length > 4096 ? "Advanced" : "Standard", parameter.GetProperty("Tier").GetString());
        var expected = AgentConfigFile();
        expected["metrics"]!["namespace"] = $"Loyalty/{stage}";
        expected["logs"]!["logs_collected"]!["files"]!["collect_list"]![0]!["log_group_name"] = $"/loyalty/{stage}/api";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(value)), value);
        Assert.Equal($"/loyalty/{stage}/cloudwatch-agent", Observability.AgentConfigParameterName(stage));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void InstanceRole_MayGetTheAgentParameter_AndNothingElseOfSsm(string stage)
    {
        var parameterId = stages[stage].LogicalIdAt("Observability/AgentConfig/Resource");
        var statements = InstanceRoleStatements(stage);

        var grant = Assert.Single(statements, s => s.GetProperty("Resource").GetRawText().Contains(parameterId, StringComparison.Ordinal));
        Assert.Equal("Allow", grant.GetProperty("Effect").GetString());
        Assert.Equal("ssm:GetParameter", grant.GetProperty("Action").GetString());
        Assert.DoesNotContain(statements.Where(s => s.GetProperty("Resource").ValueKind == JsonValueKind.String),
            s => s.GetProperty("Action").GetRawText().Contains("ssm:", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Topic_IsEncryptedWithARotatedKeyCloudWatchMayUse_AndEmailsTheStageAddress(string stage)
    {
        var (topicId, topic) = Topic(stage);
        var keyId = SynthesisedStage.RefOf(topic.GetProperty("KmsMasterKeyId"));
        var key = stages[stage].Resource(keyId);

        Assert.Equal("AWS::KMS::Key", key.GetProperty("Type").GetString());
        Assert.NotEqual(stages[stage].LogicalIdAt("LogKey/Resource"), keyId);
        Assert.True(key.GetProperty("Properties").GetProperty("EnableKeyRotation").GetBoolean());
        var cloudWatch = Assert.Single(key.GetProperty("Properties").GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray(),
            s => s.GetProperty("Principal").GetRawText().Contains("cloudwatch.amazonaws.com", StringComparison.Ordinal));
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey*"], cloudWatch.GetProperty("Action").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(stage == "prod" ? "Retain" : "Delete", key.GetProperty("DeletionPolicy").GetString());

        var (_, subscription) = Assert.Single(stages[stage].Resources("AWS::SNS::Subscription"), s => SynthesisedStage.RefOf(s.Properties.GetProperty("TopicArn")) == topicId);
        Assert.Equal("email", subscription.GetProperty("Protocol").GetString());
        Assert.Equal(stages[stage].Config.Observability.AlarmEmail, subscription.GetProperty("Endpoint").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void TopicPolicy_DeniesNonTls_AndLetsOnlyThisAccountsAlarmsPublish(string stage)
    {
        var (topicId, _) = Topic(stage);
        var (_, policy) = Assert.Single(stages[stage].Resources("AWS::SNS::TopicPolicy"),
            p => p.Properties.GetProperty("Topics").EnumerateArray().Any(t => SynthesisedStage.RefOf(t) == topicId));
        var statements = policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();

        var tls = Assert.Single(statements, s => s.GetProperty("Effect").GetString() == "Deny");
        Assert.Equal("false", tls.GetProperty("Condition").GetProperty("Bool").GetProperty("aws:SecureTransport").GetString());

        var alarms = Assert.Single(statements, s => s.GetProperty("Principal").GetRawText().Contains("cloudwatch.amazonaws.com", StringComparison.Ordinal));
        Assert.Equal("sns:Publish", alarms.GetProperty("Action").GetString());
        Assert.Equal(stages[stage].Config.Account, alarms.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
        Assert.Contains(":alarm:*", alarms.GetProperty("Condition").GetProperty("ArnLike").GetProperty("aws:SourceArn").GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(statements, s => s.GetProperty("Effect").GetString() == "Allow" && s.GetProperty("Principal").ValueKind == JsonValueKind.String);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Alb5xxAlarm_IsElbPlusTarget5xxOverRequests_AsAPercent(string stage)
    {
        var alarm = Alarm(stage, "Alb5xxRate");
        var metrics = alarm.GetProperty("Metrics").EnumerateArray().ToList();

        var expression = Assert.Single(metrics, m => m.TryGetProperty("Expression", out _));
        Assert.Equal("100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests", expression.GetProperty("Expression").GetString());
        foreach (var (id, name) in new[] { ("elb5xx", "HTTPCode_ELB_5XX_Count"), ("target5xx", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount") })
        {
            var stat = Assert.Single(metrics, m => m.GetProperty("Id").GetString() == id).GetProperty("MetricStat");
            Assert.Equal(name, stat.GetProperty("Metric").GetProperty("MetricName").GetString());
            Assert.Equal("AWS/ApplicationELB", stat.GetProperty("Metric").GetProperty("Namespace").GetString());
            Assert.Equal("Sum", stat.GetProperty("Stat").GetString());
            Assert.Equal(60, stat.GetProperty("Period").GetInt32());
        }

        AssertThreshold(alarm, stages[stage].Config.Observability.Alb5xxPercent, "GreaterThanThreshold", "notBreaching");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LatencyAlarm_IsTargetResponseTimeP99_AboveTheStageLimit(string stage)
    {
        var alarm = Alarm(stage, "TargetLatencyP99");

        Assert.Equal("AWS/ApplicationELB", alarm.GetProperty("Namespace").GetString());
        Assert.Equal("TargetResponseTime", alarm.GetProperty("MetricName").GetString());
        Assert.Equal("p99", alarm.GetProperty("ExtendedStatistic").GetString());
        Assert.Equal("LoadBalancer", Assert.Single(alarm.GetProperty("Dimensions").EnumerateArray()).GetProperty("Name").GetString());
        AssertThreshold(alarm, stages[stage].Config.Observability.P99LatencySeconds, "GreaterThanThreshold", "notBreaching");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void UnhealthyHostsAlarm_FiresOnAnyUnhealthyTarget(string stage)
    {
        var alarm = Alarm(stage, "UnhealthyHosts");

        Assert.Equal("UnHealthyHostCount", alarm.GetProperty("MetricName").GetString());
        Assert.Equal("Maximum", alarm.GetProperty("Statistic").GetString());
        Assert.Equal(["LoadBalancer", "TargetGroup"], alarm.GetProperty("Dimensions").EnumerateArray().Select(d => d.GetProperty("Name").GetString()).Order());
        AssertThreshold(alarm, 0, "GreaterThanThreshold", "notBreaching");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RdsAlarms_WatchCpuAndFreeStorageInBytes_OfTheInstance(string stage)
    {
        var settings = stages[stage].Config.Observability;
        var instanceId = Assert.Single(stages[stage].Resources("AWS::RDS::DBInstance")).LogicalId;

        var cpu = Alarm(stage, "RdsCpu");
        Assert.Equal("AWS/RDS", cpu.GetProperty("Namespace").GetString());
        Assert.Equal("CPUUtilization", cpu.GetProperty("MetricName").GetString());
        Assert.Equal("Average", cpu.GetProperty("Statistic").GetString());
        Assert.Equal(instanceId, SynthesisedStage.RefOf(Assert.Single(cpu.GetProperty("Dimensions").EnumerateArray()).GetProperty("Value")));
        AssertThreshold(cpu, settings.RdsCpuPercent, "GreaterThanThreshold", "missing");

        var storage = Alarm(stage, "RdsFreeStorage");
        Assert.Equal("FreeStorageSpace", storage.GetProperty("MetricName").GetString());
        Assert.Equal("Minimum", storage.GetProperty("Statistic").GetString());
        Assert.Equal(instanceId, SynthesisedStage.RefOf(Assert.Single(storage.GetProperty("Dimensions").EnumerateArray()).GetProperty("Value")));
        AssertThreshold(storage, settings.RdsFreeStorageGiB * 1024d * 1024 * 1024, "LessThanThreshold", "missing");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AppLogGroup_IsWhereTheAgentShipsTheApisLog_EncryptedAndKeptForTheStagesRetention(string stage)
    {
        var group = stages[stage].Resource(stages[stage].LogicalIdAt("Observability/AppLogs/Resource"));
        var properties = group.GetProperty("Properties");
        var keyId = Assert.Single(stages[stage].Resources("AWS::KMS::Key"), k => k.LogicalId.StartsWith("LogKey", StringComparison.Ordinal)).LogicalId;

        Assert.Equal($"/loyalty/{stage}/api", properties.GetProperty("LogGroupName").GetString());
        Assert.Equal(keyId, properties.GetProperty("KmsKeyId").GetProperty("Fn::GetAtt")[0].GetString());
        Assert.True(properties.GetProperty("RetentionInDays").GetInt32() >= stages[stage].Config.Observability.LogRetentionDays);

        using var agent = JsonDocument.Parse(Observability.AgentConfig(stage));
        var shipped = Assert.Single(agent.RootElement.GetProperty("logs").GetProperty("logs_collected").GetProperty("files").GetProperty("collect_list").EnumerateArray());
        Assert.Equal("/var/log/loyalty/api.log", shipped.GetProperty("file_path").GetString());
        Assert.Equal(properties.GetProperty("LogGroupName").GetString(), shipped.GetProperty("log_group_name").GetString());

        // The instances launch only once the group exists, or the agent would create it without key or retention.
        var asg = stages[stage].Resource(Assert.Single(stages[stage].Resources("AWS::AutoScaling::AutoScalingGroup")).LogicalId);
        Assert.Contains(stages[stage].LogicalIdAt("Observability/AppLogs/Resource"), asg.GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()));
    }

    [Theory]
    [InlineData("dev", "OpsAlerts", "\"OPS ALERT\"")]
    [InlineData("prod", "AppErrors", "{ ($.LogLevel = \"Error\") || ($.LogLevel = \"Critical\") }")]
    [InlineData("prod", "WorkerStepFailures", "{ $.EventId = 3902 }")]
    public void AppLogFilters_CountWhatSomeoneMustHear_AndEachAlarmsOnTheFirst(string stage, string name, string pattern)
    {
        var groupId = stages[stage].LogicalIdAt("Observability/AppLogs/Resource");
        var filter = Assert.Single(stages[stage].Resources("AWS::Logs::MetricFilter"),
            f => f.Properties.GetProperty("MetricTransformations")[0].GetProperty("MetricName").GetString() == name).Properties;
        Assert.Equal(groupId, SynthesisedStage.RefOf(filter.GetProperty("LogGroupName")));
        Assert.Equal(pattern, filter.GetProperty("FilterPattern").GetString());
        Assert.Equal($"Loyalty/{stage}", filter.GetProperty("MetricTransformations")[0].GetProperty("MetricNamespace").GetString());

        var alarm = Alarm(stage, name);
        Assert.Equal(name, alarm.GetProperty("MetricName").GetString());
        Assert.Equal("Sum", alarm.GetProperty("Statistic").GetString());
        AssertThreshold(alarm, 0, "GreaterThanThreshold", "notBreaching");
    }

    [Theory]
    [InlineData("dev", "OutboxBacklog", PipelineWatchLine.OldestUnpublishedSeconds, PipelineWatchLine.OldestUnpublishedAlarmSeconds)]
    [InlineData("prod", "OutboxBacklog", PipelineWatchLine.OldestUnpublishedSeconds, PipelineWatchLine.OldestUnpublishedAlarmSeconds)]
    [InlineData("prod", "StuckBatches", PipelineWatchLine.StuckBatches, 0)]
    [InlineData("prod", "MissedCutoffs", PipelineWatchLine.ProgrammesPastCutoff, 0)]
    public void PipelineGauges_ReadTheWatchLinesField_AndAlarmOnItsMaximum(string stage, string name, string field, int threshold)
    {
        var filter = Assert.Single(stages[stage].Resources("AWS::Logs::MetricFilter"),
            f => f.Properties.GetProperty("MetricTransformations")[0].GetProperty("MetricName").GetString() == name).Properties;
        Assert.Equal(stages[stage].LogicalIdAt("Observability/AppLogs/Resource"), SynthesisedStage.RefOf(filter.GetProperty("LogGroupName")));
        Assert.Equal($"{{ $.EventId = {PipelineWatchLine.EventId} }}", filter.GetProperty("FilterPattern").GetString());
        var transformation = filter.GetProperty("MetricTransformations")[0];
        Assert.Equal($"$.State.{field}", transformation.GetProperty("MetricValue").GetString());
        Assert.False(transformation.TryGetProperty("DefaultValue", out _), "a default would report 0 for every other line");

        var alarm = Alarm(stage, name);
        Assert.Equal(name, alarm.GetProperty("MetricName").GetString());
        Assert.Equal("Maximum", alarm.GetProperty("Statistic").GetString());
        AssertThreshold(alarm, threshold, "GreaterThanThreshold", "notBreaching");
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RdsUnreachableAlarm_FiresWhenNoInstanceHoldsAConnection_OrTheDatabaseStopsReporting(string stage)
    {
        var instanceId = Assert.Single(stages[stage].Resources("AWS::RDS::DBInstance")).LogicalId;

        var alarm = Alarm(stage, "RdsUnreachable");
        Assert.Equal("AWS/RDS", alarm.GetProperty("Namespace").GetString());
        Assert.Equal("DatabaseConnections", alarm.GetProperty("MetricName").GetString());
        Assert.Equal("Maximum", alarm.GetProperty("Statistic").GetString());
        Assert.Equal(60, alarm.GetProperty("Period").GetInt32());
        Assert.Equal(instanceId, SynthesisedStage.RefOf(Assert.Single(alarm.GetProperty("Dimensions").EnumerateArray()).GetProperty("Value")));
        AssertThreshold(alarm, 1, "LessThanThreshold", "breaching");
        Assert.Equal(3, alarm.GetProperty("EvaluationPeriods").GetInt32());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EveryObservabilityAlarm_NotifiesTheTopic_OnAlarmAndOk(string stage)
    {
        var (topicId, _) = Topic(stage);
        var alarms = ObservabilityAlarms(stage).ToList();

        // Six service alarms, three on the API's log, three on its fulfilment watch, and one per dead-letter queue: each
        // bank queue's and the ingest queue's.
        Assert.Equal(6 + 3 + 3 + stages[stage].Config.Banks.Count + 1, alarms.Count);
        foreach (var alarm in alarms)
        {
            Assert.True(alarm.GetProperty("ActionsEnabled").GetBoolean());
            Assert.Equal([topicId], alarm.GetProperty("AlarmActions").EnumerateArray().Select(SynthesisedStage.RefOf));
            Assert.Equal([topicId], alarm.GetProperty("OKActions").EnumerateArray().Select(SynthesisedStage.RefOf));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void ScalingAlarms_StillOnlyScale(string stage)
    {
        var (topicId, _) = Topic(stage);

        foreach (var id in new[] { "CpuHigh", "CpuLow" })
        {
            var alarm = stages[stage].Resource(stages[stage].LogicalIdAt($"ApiFleet/{id}/Resource")).GetProperty("Properties");
            Assert.DoesNotContain(topicId, alarm.GetProperty("AlarmActions").GetRawText(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Dashboard_ShowsTrafficHostsFleetDatabaseAndTheAgentMetrics(string stage)
    {
        var (_, dashboard) = Assert.Single(stages[stage].Resources("AWS::CloudWatch::Dashboard"));
        Assert.Equal($"Loyalty-{stage}", dashboard.GetProperty("DashboardName").GetString());
        var body = DashboardBody(dashboard.GetProperty("DashboardBody"));

        foreach (var metric in new[]
        {
            "RequestCount", "HTTPCode_Target_4XX_Count", "HTTPCode_ELB_4XX_Count", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count",
            "TargetResponseTime", "\"p50\"", "\"p99\"", "HealthyHostCount", "UnHealthyHostCount", "CPUUtilization",
            "DatabaseConnections", "FreeStorageSpace", $"Loyalty/{stage}",
        }.Concat(CustomMetrics.Select(m => $"\"{m}\"")))
        {
            Assert.Contains(metric, body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("dev", 0)]
    [InlineData("prod", 1)]
    public void GuardDuty_HasADetectorOnlyWhereTheStageOwnsIt(string stage, int detectors)
    {
        Assert.Equal(detectors == 1, stages[stage].Config.Observability.GuardDuty);
        var found = stages[stage].Resources("AWS::GuardDuty::Detector").ToList();

        Assert.Equal(detectors, found.Count);
        Assert.All(found, d => Assert.True(d.Properties.GetProperty("Enable").GetBoolean()));
        var rules = stages[stage].Resources("AWS::Events::Rule")
            .Where(r => r.Properties.GetProperty("EventPattern").GetRawText().Contains("aws.guardduty", StringComparison.Ordinal)).ToList();
        Assert.Equal(detectors, rules.Count);
        var keyPolicy = stages[stage].Resource(SynthesisedStage.RefOf(Topic(stage).Properties.GetProperty("KmsMasterKeyId"))).GetProperty("Properties").GetProperty("KeyPolicy").GetRawText();
        Assert.Equal(detectors == 1, keyPolicy.Contains("events.amazonaws.com", StringComparison.Ordinal));
        Assert.All(rules, r => Assert.Equal(Topic(stage).LogicalId, SynthesisedStage.RefOf(Assert.Single(r.Properties.GetProperty("Targets").EnumerateArray()).GetProperty("Arn"))));
    }

    [Fact]
    public void DeadLetterQueues_EachGetANotEmptyAlarm_AndADepthGraph()
    {
        var config = StageLoader.Load(RepositoryRoot.Path, "dev");
        var app = new App();
        app.Node.SetContext($"availability-zones:account={config.Account}:region={config.Region}", config.AvailabilityZones.ToArray());
        var stack = new Stack(app, "Dlq", new StackProps { Env = new Amazon.CDK.Environment { Account = config.Account, Region = config.Region } });
        var network = new Network(stack, "Network", new NetworkProps { Stage = config, LogKey = new Key(stack, "LogKey") });
        var bastion = new Bastion(stack, "Bastion", new BastionProps { Stage = config, Vpc = network.Vpc });
        var database = new Database(stack, "Database", new DatabaseProps { Stage = config, Vpc = network.Vpc, Clients = [] });
        var fleet = new ApiFleet(stack, "ApiFleet", new ApiFleetProps
        {
            Stage = config, Vpc = network.Vpc, BastionSecurityGroup = bastion.SecurityGroup, ImageId = "ami-0b9fd8b55a6e3c9d5",
            DatabaseSecret = database.AppSecret, DatabaseSecretName = database.AppSecretName, MigrationSecret = database.Secret, DatabaseKey = database.Key,
        });
        database.Admit(fleet.AppSecurityGroup);
        Queue[] queues = [new(stack, "IngestDlq"), new(stack, "BankDlq")];

        var observability = new Observability(stack, "Observability", new ObservabilityProps
        {
            Stage = config, Fleet = fleet, Database = database, DeadLetterQueues = queues, LogKey = new Key(stack, "AppLogKey"),
        });
        using var template = JsonDocument.Parse(File.ReadAllText(app.Synth().GetStackArtifact(stack.ArtifactId).TemplateFullPath));
        var resources = template.RootElement.GetProperty("Resources").EnumerateObject().ToList();

        Assert.Equal(14, observability.Alarms.Count); // six service, six on the API's log, two dead-letter queues
        var topicId = LogicalId(stack, observability.Topic.Node.DefaultChild!); // a Topic is backed by a CfnTopic
        foreach (var queue in queues)
        {
            var queueId = LogicalId(stack, queue.Node.DefaultChild!); // a Queue is backed by a CfnQueue
            var alarm = Assert.Single(resources, r => r.Value.GetProperty("Type").GetString() == "AWS::CloudWatch::Alarm"
                && r.Value.GetProperty("Properties").TryGetProperty("MetricName", out var name) && name.GetString() == "ApproximateNumberOfMessagesVisible"
                && r.Value.GetProperty("Properties").GetProperty("Dimensions").GetRawText().Contains(queueId, StringComparison.Ordinal)).Value.GetProperty("Properties");
            Assert.Equal("AWS/SQS", alarm.GetProperty("Namespace").GetString());
            Assert.Equal("Maximum", alarm.GetProperty("Statistic").GetString());
            AssertThreshold(alarm, 0, "GreaterThanThreshold", "notBreaching");
            Assert.Equal([topicId], alarm.GetProperty("AlarmActions").EnumerateArray().Select(SynthesisedStage.RefOf));
        }

        var dashboard = Assert.Single(resources, r => r.Value.GetProperty("Type").GetString() == "AWS::CloudWatch::Dashboard").Value;
        var body = DashboardBody(dashboard.GetProperty("Properties").GetProperty("DashboardBody"));
        Assert.Contains("Dead-letter queue depth", body, StringComparison.Ordinal);
        Assert.Contains("ApproximateNumberOfMessagesVisible", body, StringComparison.Ordinal);
    }

    /// <summary>GetLogicalId gives a token; resolving it gives the id the template uses.</summary>
    private static string LogicalId(Stack stack, IConstruct resource) =>
        (string)stack.Resolve(stack.GetLogicalId((CfnElement)resource));

    private static JsonNode AgentConfigFile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, Observability.AgentConfigFile)))
        ?? throw new InvalidOperationException("empty agent configuration");

    /// <summary>The agent names a metric plugin_measurement unless the measurement already carries the prefix.</summary>
    private static HashSet<string> PublishedMetricNames(JsonNode collected) =>
        collected.AsObject()
            .Where(plugin => plugin.Value?["measurement"] is JsonArray)
            .SelectMany(plugin => plugin.Value!["measurement"]!.AsArray().Select(m => (string)m!)
                .Select(m => m.StartsWith(plugin.Key + "_", StringComparison.Ordinal) ? m : $"{plugin.Key}_{m}"))
            .ToHashSet(StringComparer.Ordinal);

    private static void AssertThreshold(JsonElement alarm, double threshold, string comparison, string missing)
    {
        Assert.Equal(threshold, alarm.GetProperty("Threshold").GetDouble());
        Assert.Equal(comparison, alarm.GetProperty("ComparisonOperator").GetString());
        Assert.Equal(missing, alarm.GetProperty("TreatMissingData").GetString());
        Assert.True(alarm.GetProperty("DatapointsToAlarm").GetInt32() <= alarm.GetProperty("EvaluationPeriods").GetInt32());
    }

    /// <summary>The dashboard body with its tokens (Fn::Join parts that are references) left out.</summary>
    private static string DashboardBody(JsonElement body) =>
        body.ValueKind == JsonValueKind.String
            ? body.GetString()!
            : string.Concat(body.GetProperty("Fn::Join")[1].EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()));

    private (string LogicalId, JsonElement Properties) Topic(string stage) =>
        Assert.Single(stages[stage].Resources("AWS::SNS::Topic"), t => t.LogicalId == stages[stage].LogicalIdAt("Observability/Topic/Resource"));

    private JsonElement Alarm(string stage, string id) =>
        stages[stage].Resource(stages[stage].LogicalIdAt($"Observability/{id}/Resource")).GetProperty("Properties");

    private IEnumerable<JsonElement> ObservabilityAlarms(string stage) =>
        stages[stage].Json.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == "AWS::CloudWatch::Alarm"
                && r.Value.GetProperty("Metadata").GetProperty("aws:cdk:path").GetString()!.StartsWith($"Loyalty-{stage}/Observability/", StringComparison.Ordinal))
            .Select(r => r.Value.GetProperty("Properties"));

    private List<JsonElement> InstanceRoleStatements(string stage) =>
        stages[stage].Resource(stages[stage].LogicalIdAt("ApiFleet/InstanceRole/DefaultPolicy/Resource"))
            .GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();
}
