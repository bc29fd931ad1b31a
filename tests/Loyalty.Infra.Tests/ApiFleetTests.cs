using System.Globalization;
using System.Text.Json;
using Loyalty.Core;

namespace Loyalty.Infra.Tests;

/// <summary>The ApiFleet construct as both stages synthesise it: ALB, target group, launch template, group, alarms, policies.</summary>
[Collection(StagesSuite.Name)]
public sealed class ApiFleetTests(Stages stages)
{
    private static readonly string[] EnforcingDesyncModes = ["defensive", "strictest"];
    private static readonly string[] PublicAccessBlockFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LaunchTemplate_RequiresImdsv2_EncryptsTheRootVolume_AndAssignsNoPublicIp(string stage)
    {
        var fleet = stages[stage].Config.Fleet;
        var data = FleetLaunchTemplate(stage).Properties.GetProperty("LaunchTemplateData");

        var metadata = data.GetProperty("MetadataOptions");
        Assert.Equal("required", metadata.GetProperty("HttpTokens").GetString());
        Assert.Equal(1, metadata.GetProperty("HttpPutResponseHopLimit").GetInt32());
        Assert.Equal("enabled", metadata.GetProperty("HttpEndpoint").GetString());

        var root = Assert.Single(data.GetProperty("BlockDeviceMappings").EnumerateArray());
        Assert.Equal("/dev/xvda", root.GetProperty("DeviceName").GetString());
        var ebs = root.GetProperty("Ebs");
        Assert.True(ebs.GetProperty("Encrypted").GetBoolean());
        Assert.Equal("gp3", ebs.GetProperty("VolumeType").GetString());
        Assert.Equal(fleet.RootVolumeGiB, ebs.GetProperty("VolumeSize").GetInt32());

        var nic = Assert.Single(data.GetProperty("NetworkInterfaces").EnumerateArray());
        Assert.False(nic.GetProperty("AssociatePublicIpAddress").GetBoolean());
        Assert.Equal(stages[stage].LogicalIdAt("GoldenAmi/Image"), SynthesisedStage.RefOf(data.GetProperty("ImageId")));
        Assert.Equal(fleet.InstanceType, data.GetProperty("InstanceType").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LaunchTemplate_TagsInstancesAndVolumes(string stage)
    {
        var data = FleetLaunchTemplate(stage).Properties.GetProperty("LaunchTemplateData");
        var specifications = data.GetProperty("TagSpecifications").EnumerateArray()
            .ToDictionary(s => s.GetProperty("ResourceType").GetString()!, s => Tags(s.GetProperty("Tags")));

        foreach (var type in new[] { "instance", "volume" })
        {
            var tags = specifications[type];
            Assert.Equal(stage, tags["stage"]);
            foreach (var (key, value) in stages[stage].Config.Tags)
            {
                Assert.Equal(value, tags[key]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Group_UsesTheLaunchTemplate_NeverALaunchConfiguration(string stage)
    {
        var synthesised = stages[stage];
        synthesised.Template.ResourceCountIs("AWS::AutoScaling::LaunchConfiguration", 0);
        var group = Single(stage, "AWS::AutoScaling::AutoScalingGroup").Properties;
        var launchTemplate = group.GetProperty("LaunchTemplate");

        Assert.False(group.TryGetProperty("LaunchConfigurationName", out _));
        Assert.Equal("AWS::EC2::LaunchTemplate", stages[stage].Resource(SynthesisedStage.RefOf(launchTemplate.GetProperty("LaunchTemplateId"))).GetProperty("Type").GetString());
        Assert.Equal("LatestVersionNumber", launchTemplate.GetProperty("Version").GetProperty("Fn::GetAtt")[1].GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Group_SizeAndHealthChecks_FollowTheStage_InThePrivateAppSubnets(string stage)
    {
        var fleet = stages[stage].Config.Fleet;
        var group = Single(stage, "AWS::AutoScaling::AutoScalingGroup").Properties;

        Assert.Equal(Invariant(fleet.MinSize), group.GetProperty("MinSize").GetString());
        Assert.Equal(Invariant(fleet.DesiredCapacity), group.GetProperty("DesiredCapacity").GetString());
        Assert.Equal(Invariant(fleet.MaxSize), group.GetProperty("MaxSize").GetString());
        Assert.Equal("ELB", group.GetProperty("HealthCheckType").GetString());
        Assert.Equal(fleet.HealthCheckGraceSeconds, group.GetProperty("HealthCheckGracePeriod").GetInt32());
        Assert.Equal([Single(stage, "AWS::ElasticLoadBalancingV2::TargetGroup").LogicalId],
            group.GetProperty("TargetGroupARNs").EnumerateArray().Select(SynthesisedStage.RefOf));
        AssertSubnetsAreTheTierInEachZone(stage, group.GetProperty("VPCZoneIdentifier"), Network.AppTier);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Group_RollsOneInstanceAtATime_NeverBelowDesiredCapacity(string stage)
    {
        var fleet = stages[stage].Config.Fleet;
        var (id, _) = Single(stage, "AWS::AutoScaling::AutoScalingGroup");
        var rolling = stages[stage].Resource(id).GetProperty("UpdatePolicy").GetProperty("AutoScalingRollingUpdate");

        var minInService = rolling.GetProperty("MinInstancesInService").GetInt32();
        Assert.Equal(fleet.DesiredCapacity, minInService);
        Assert.True(minInService >= fleet.MinSize);
        // CloudFormation needs room for the replacement: MinInstancesInService must stay below MaxSize.
        Assert.True(minInService < fleet.MaxSize);
        Assert.Equal(1, rolling.GetProperty("MaxBatchSize").GetInt32());
        // A replacement counts once it signals, which it does only after /health/ready answered; PauseTime bounds the wait.
        Assert.True(rolling.GetProperty("WaitOnResourceSignals").GetBoolean());
        var pause = System.Xml.XmlConvert.ToTimeSpan(rolling.GetProperty("PauseTime").GetString()!);
        Assert.Equal(TimeSpan.FromSeconds(ApiFleet.SignalTimeout.ToSeconds()), pause);
        // Room for the launch hook (the migrations), within the most CloudFormation allows.
        Assert.True(pause > TimeSpan.FromSeconds(ApiFleet.LaunchTimeout.ToSeconds()) && pause <= TimeSpan.FromHours(1));
        var creation = stages[stage].Resource(id).GetProperty("CreationPolicy").GetProperty("ResourceSignal");
        Assert.Equal(fleet.MinSize, creation.GetProperty("Count").GetInt32());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EveryNewInstance_WaitsInTheLaunchHook_UntilItsMigrationAndApiAreUp_OrIsAbandoned(string stage)
    {
        var (id, _) = Single(stage, "AWS::AutoScaling::AutoScalingGroup");
        var hook = Assert.Single(stages[stage].Resource(id).GetProperty("Properties").GetProperty("LifecycleHookSpecificationList").EnumerateArray());
        Assert.Equal(ApiFleet.LaunchHookName, hook.GetProperty("LifecycleHookName").GetString());
        Assert.Equal("autoscaling:EC2_INSTANCE_LAUNCHING", hook.GetProperty("LifecycleTransition").GetString());
        Assert.Equal("ABANDON", hook.GetProperty("DefaultResult").GetString());
        var heartbeat = hook.GetProperty("HeartbeatTimeout").GetInt32();
        Assert.Equal(ApiFleet.LaunchTimeout.ToSeconds(), heartbeat);

        // The migration step may wait for another instance's run and then run its own within the hook's time.
        var unit = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "app", "deploy", "systemd", "loyalty-migrate.service"));
        var start = unit.Single(l => l.StartsWith("TimeoutStartSec=", StringComparison.Ordinal))["TimeoutStartSec=".Length..];
        var startMinutes = int.Parse(start.TrimEnd('m', 'i', 'n'), CultureInfo.InvariantCulture);
        Assert.InRange(startMinutes, MigrationLimits.Minutes + 1, heartbeat / 60);

        // The boot completes the hook itself: on with a ready API, abandoned when a boot step failed.
        var userData = FleetLaunchTemplate(stage).Properties.GetProperty("LaunchTemplateData").GetProperty("UserData").GetRawText();
        Assert.Contains($"--lifecycle-hook-name {ApiFleet.LaunchHookName}", userData, StringComparison.Ordinal);
        Assert.Contains("/health/ready; then launched CONTINUE; exit 0; fi", userData, StringComparison.Ordinal);
        Assert.Contains("systemctl is-failed --quiet loyalty-config.service loyalty-migrate.service loyalty-api.service && break", userData, StringComparison.Ordinal);
        Assert.Contains("launched ABANDON", userData, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void GracefulShutdown_FitsInsideTheDeregistrationDelay_AndSystemdWaitsForIt(string stage)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "app", "Loyalty.Api", "appsettings.json")));
        var shutdown = settings.RootElement.GetProperty("Limits").GetProperty("ShutdownSeconds").GetInt32();
        var unit = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "app", "deploy", "systemd", "loyalty-api.service"));
        var stopTimeout = int.Parse(unit.Single(l => l.StartsWith("TimeoutStopSec=", StringComparison.Ordinal))["TimeoutStopSec=".Length..], CultureInfo.InvariantCulture);

        // Drained targets get the delay; the host then has its shutdown time for requests still in flight; systemd
        // must not kill it before that ends.
        Assert.True(shutdown < stages[stage].Config.Fleet.DeregistrationDelaySeconds);
        Assert.True(stopTimeout > shutdown);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LaunchTemplate_RunsTheGoldenAmi_AndItsUserDataStartsTheApiThenSignalsReadiness(string stage)
    {
        var config = stages[stage].Config;
        var data = FleetLaunchTemplate(stage).Properties.GetProperty("LaunchTemplateData");
        var userData = data.GetProperty("UserData").GetRawText();

        Assert.Equal(stages[stage].LogicalIdAt("GoldenAmi/Image"), SynthesisedStage.RefOf(data.GetProperty("ImageId")));
        Assert.Contains($"LOYALTY_STAGE={config.Name}", userData, StringComparison.Ordinal);
        Assert.Contains($"LOYALTY_PARAMETER_PATH=/loyalty/{config.Name}/api/", userData, StringComparison.Ordinal);
        // The ARNs of the secrets as attached to the instance (they then hold host, port and dbname too): the API's
        // rows-only user, and the master user the boot step gives the migration step only.
        var attachments = stages[stage].Resources("AWS::SecretsManager::SecretTargetAttachment").ToList();
        Assert.Equal(2, attachments.Count);
        string AttachmentOf(string username) => attachments.Single(a => stages[stage].Resource(SynthesisedStage.RefOf(a.Properties.GetProperty("SecretId")))
            .GetProperty("Properties").GetProperty("GenerateSecretString").GetProperty("SecretStringTemplate").GetString()!
            .Contains($"\"username\":\"{username}\"", StringComparison.Ordinal)).LogicalId;
        var parts = data.GetProperty("UserData").GetProperty("Fn::Base64").GetProperty("Fn::Join")[1].EnumerateArray().ToList();
        foreach (var (variable, username) in new[] { ("LOYALTY_DB_SECRET_ARN=", Database.AppUsername), ("LOYALTY_MIGRATION_SECRET_ARN=", Database.MasterUsername) })
        {
            var name = parts.FindIndex(p => p.ValueKind == JsonValueKind.String && p.GetString()!.EndsWith(variable, StringComparison.Ordinal));
            Assert.True(name >= 0, $"the user data sets no {variable}");
            Assert.Equal(AttachmentOf(username), SynthesisedStage.RefOf(parts[name + 1]));
        }

        // The API's secret by name too: the API reads its password by it (Parameter Store's reference takes no ARN),
        // the very name the secret has, with the role allowed exactly that parameter.
        var secretName = $"loyalty/{config.Name}/database/app";
        Assert.Contains($"LOYALTY_DB_SECRET_NAME={secretName}", userData, StringComparison.Ordinal);
        Assert.Equal(secretName, stages[stage].Resource(stages[stage].LogicalIdAt("Database/AppSecret/Resource")).GetProperty("Properties").GetProperty("Name").GetString());
        var read = stages[stage].Resources("AWS::IAM::Policy").SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .Single(st => st.TryGetProperty("Sid", out var sid) && sid.GetString() == "ReadDatabasePassword");
        Assert.Equal("ssm:GetParameter", read.GetProperty("Action").GetString());
        Assert.EndsWith($":parameter/aws/reference/secretsmanager/{secretName}", read.GetProperty("Resource").GetProperty("Fn::Join")[1].EnumerateArray().Last().GetString(), StringComparison.Ordinal);
        Assert.Contains("systemctl enable --now loyalty-connections.timer loyalty-api.service", userData, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{config.Fleet.AppPort}/health/ready", userData, StringComparison.Ordinal);
        Assert.Contains("/opt/aws/bin/cfn-signal", userData, StringComparison.Ordinal);
        Assert.Contains(Single(stage, "AWS::AutoScaling::AutoScalingGroup").Item1, userData, StringComparison.Ordinal);
        Assert.DoesNotContain("password", userData, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void InstanceRole_HasOnlyTheSsmAndCloudWatchAgentManagedPolicies_AndNoWildcardGrants(string stage)
    {
        var profileArn = FleetLaunchTemplate(stage).Properties.GetProperty("LaunchTemplateData")
            .GetProperty("IamInstanceProfile").GetProperty("Arn").GetProperty("Fn::GetAtt")[0].GetString()!;
        var roleId = SynthesisedStage.RefOf(Assert.Single(stages[stage].Resource(profileArn).GetProperty("Properties").GetProperty("Roles").EnumerateArray()));
        var role = stages[stage].Resource(roleId).GetProperty("Properties");

        Assert.Equal("ec2.amazonaws.com", Assert.Single(role.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray())
            .GetProperty("Principal").GetProperty("Service").GetString());
        var managed = role.GetProperty("ManagedPolicyArns").EnumerateArray()
            .Select(a => a.GetProperty("Fn::Join")[1].EnumerateArray().Last().GetString()!)
            .Order(StringComparer.Ordinal);
        Assert.Equal([":iam::aws:policy/AmazonSSMManagedInstanceCore", ":iam::aws:policy/CloudWatchAgentServerPolicy"], managed);
        Assert.False(role.TryGetProperty("Policies", out _));
        // What later constructs grant (bucket, queues, parameters) names actions and resources, never `*`.
        var statements = stages[stage].Resources("AWS::IAM::Policy")
            .Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => r.TryGetProperty("Ref", out var id) && id.GetString() == roleId))
            .SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .ToList();
        Assert.NotEmpty(statements);
        foreach (var statement in statements)
        {
            Assert.All(Values(statement.GetProperty("Action")), action => Assert.False(action == "*" || action.EndsWith(":*", StringComparison.Ordinal), action));
            Assert.All(Values(statement.GetProperty("Resource")), resource => Assert.NotEqual("*", resource));
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void CpuAlarms_WatchTheGroupsAverageCpu_WithTheStagesThresholdsAndPeriods(string stage)
    {
        var scaling = stages[stage].Config.Scaling;
        var (groupId, _) = Single(stage, "AWS::AutoScaling::AutoScalingGroup");
        var alarms = CpuAlarms(stage).ToList();

        Assert.Equal(2, alarms.Count);
        Assert.Equal(2, stages[stage].Resources("AWS::CloudWatch::Alarm")
            .Count(a => a.Properties.TryGetProperty("MetricName", out var m) && m.GetString() == "CPUUtilization"
                && a.Properties.GetProperty("Namespace").GetString() == "AWS/EC2"));
        foreach (var alarm in alarms)
        {
            Assert.Equal("AWS/EC2", alarm.GetProperty("Namespace").GetString());
            Assert.Equal("Average", alarm.GetProperty("Statistic").GetString());
            var dimension = Assert.Single(alarm.GetProperty("Dimensions").EnumerateArray());
            Assert.Equal("AutoScalingGroupName", dimension.GetProperty("Name").GetString());
            Assert.Equal(groupId, SynthesisedStage.RefOf(dimension.GetProperty("Value")));
            Assert.Equal(scaling.PeriodSeconds, alarm.GetProperty("Period").GetInt32());
            Assert.Equal(scaling.EvaluationPeriods, alarm.GetProperty("EvaluationPeriods").GetInt32());
            Assert.Equal(scaling.DatapointsToAlarm, alarm.GetProperty("DatapointsToAlarm").GetInt32());
            Assert.Equal("notBreaching", alarm.GetProperty("TreatMissingData").GetString());
            Assert.False(alarm.TryGetProperty("ActionsEnabled", out var enabled) && !enabled.GetBoolean());
        }

        var byComparison = alarms.ToDictionary(a => a.GetProperty("ComparisonOperator").GetString()!, a => a.GetProperty("Threshold").GetDouble());
        Assert.Equal(scaling.ScaleOutCpuPercent, byComparison["GreaterThanThreshold"]);
        Assert.Equal(scaling.ScaleInCpuPercent, byComparison["LessThanThreshold"]);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void ScalingPolicies_AreSimpleScalingByOneInstance_WithTheStagesCooldown(string stage)
    {
        var (groupId, _) = Single(stage, "AWS::AutoScaling::AutoScalingGroup");
        var policies = stages[stage].Resources("AWS::AutoScaling::ScalingPolicy").Select(p => p.Properties).ToList();

        Assert.Equal(2, policies.Count);
        foreach (var policy in policies)
        {
            Assert.Equal(groupId, SynthesisedStage.RefOf(policy.GetProperty("AutoScalingGroupName")));
            Assert.Equal("SimpleScaling", policy.GetProperty("PolicyType").GetString());
            Assert.Equal("ChangeInCapacity", policy.GetProperty("AdjustmentType").GetString());
            Assert.Equal(Invariant(stages[stage].Config.Scaling.CooldownSeconds), policy.GetProperty("Cooldown").GetString());
        }

        Assert.Equal([-1, 1], policies.Select(p => p.GetProperty("ScalingAdjustment").GetInt32()).Order());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachCpuAlarm_TriggersItsOwnScalingPolicy(string stage)
    {
        var adjustments = stages[stage].Resources("AWS::AutoScaling::ScalingPolicy")
            .ToDictionary(p => p.LogicalId, p => p.Properties.GetProperty("ScalingAdjustment").GetInt32());

        foreach (var alarm in CpuAlarms(stage))
        {
            var action = SynthesisedStage.RefOf(Assert.Single(alarm.GetProperty("AlarmActions").EnumerateArray()));
            var expected = alarm.GetProperty("ComparisonOperator").GetString() == "GreaterThanThreshold" ? 1 : -1;
            Assert.Equal(expected, adjustments[action]);
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void HttpsListener_ServesTheStagesCertificate_WithTheTls13Policy(string stage)
    {
        var (loadBalancerId, _) = Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer");
        var listeners = stages[stage].Resources("AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Properties).ToList();
        Assert.Equal(2, listeners.Count);
        Assert.All(listeners, l => Assert.Equal(loadBalancerId, SynthesisedStage.RefOf(l.GetProperty("LoadBalancerArn"))));

        var https = Assert.Single(listeners, l => l.GetProperty("Port").GetInt32() == 443);
        Assert.Equal("HTTPS", https.GetProperty("Protocol").GetString());
        Assert.Equal("ELBSecurityPolicy-TLS13-1-2-2021-06", https.GetProperty("SslPolicy").GetString());
        Assert.Equal(stages[stage].Config.Edge.CertificateArn,
            Assert.Single(https.GetProperty("Certificates").EnumerateArray()).GetProperty("CertificateArn").GetString());
    }

    [Theory]
    [InlineData("dev", new[] { "/v1/*", "/docs", "/docs/*", "/openapi/*" })]
    [InlineData("prod", new[] { "/v1/*" })]
    public void HttpsListener_ForwardsOnlyTheApisPaths_AndAnswersEverythingElseWithA404Problem(string stage, string[] forwarded)
    {
        var (httpsId, https) = Assert.Single(stages[stage].Resources("AWS::ElasticLoadBalancingV2::Listener"), l => l.Properties.GetProperty("Port").GetInt32() == 443);

        var fallback = Assert.Single(https.GetProperty("DefaultActions").EnumerateArray());
        Assert.Equal("fixed-response", fallback.GetProperty("Type").GetString());
        var response = fallback.GetProperty("FixedResponseConfig");
        Assert.Equal("404", response.GetProperty("StatusCode").GetString());
        Assert.Equal("application/json", response.GetProperty("ContentType").GetString());
        using var problem = JsonDocument.Parse(response.GetProperty("MessageBody").GetString()!);
        Assert.Equal("https://loyalty.example.com/problems/not-found", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());

        var rule = Assert.Single(stages[stage].Resources("AWS::ElasticLoadBalancingV2::ListenerRule")).Properties;
        Assert.Equal(httpsId, SynthesisedStage.RefOf(rule.GetProperty("ListenerArn")));
        var forward = Assert.Single(rule.GetProperty("Actions").EnumerateArray());
        Assert.Equal("forward", forward.GetProperty("Type").GetString());
        Assert.Equal(Single(stage, "AWS::ElasticLoadBalancingV2::TargetGroup").LogicalId, SynthesisedStage.RefOf(forward.GetProperty("TargetGroupArn")));
        var condition = Assert.Single(rule.GetProperty("Conditions").EnumerateArray());
        Assert.Equal("path-pattern", condition.GetProperty("Field").GetString());
        Assert.Equal(forwarded, condition.GetProperty("PathPatternConfig").GetProperty("Values").EnumerateArray().Select(v => v.GetString()!));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void HttpListener_OnlyRedirectsToHttpsPermanently(string stage)
    {
        var http = Assert.Single(stages[stage].Resources("AWS::ElasticLoadBalancingV2::Listener"),
            l => l.Properties.GetProperty("Port").GetInt32() == 80).Properties;

        Assert.Equal("HTTP", http.GetProperty("Protocol").GetString());
        var action = Assert.Single(http.GetProperty("DefaultActions").EnumerateArray());
        Assert.Equal("redirect", action.GetProperty("Type").GetString());
        var redirect = action.GetProperty("RedirectConfig");
        Assert.Equal(("HTTPS", "443", "HTTP_301"),
            (redirect.GetProperty("Protocol").GetString(), redirect.GetProperty("Port").GetString(), redirect.GetProperty("StatusCode").GetString()));
        var httpId = Assert.Single(stages[stage].Resources("AWS::ElasticLoadBalancingV2::Listener"), l => l.Properties.GetProperty("Port").GetInt32() == 80).LogicalId;
        Assert.DoesNotContain(stages[stage].Resources("AWS::ElasticLoadBalancingV2::ListenerRule"),
            r => SynthesisedStage.RefOf(r.Properties.GetProperty("ListenerArn")) == httpId);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void LoadBalancer_IsInternetFacingInThePublicSubnets_AndHardened(string stage)
    {
        var alb = Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer").Properties;

        Assert.Equal("internet-facing", alb.GetProperty("Scheme").GetString());
        Assert.Equal("application", alb.GetProperty("Type").GetString());
        AssertSubnetsAreTheTierInEachZone(stage, alb.GetProperty("Subnets"), Network.PublicTier);
        var attributes = Attributes(alb.GetProperty("LoadBalancerAttributes"));
        Assert.Equal("true", attributes["routing.http.drop_invalid_header_fields.enabled"].GetString());
        Assert.Contains(attributes["routing.http.desync_mitigation_mode"].GetString(), EnforcingDesyncModes);
        Assert.Equal(stages[stage].Config.Edge.AlbDeletionProtection ? "true" : "false", attributes["deletion_protection.enabled"].GetString());
    }

    [Theory]
    [InlineData("dev", "false")]
    [InlineData("prod", "true")]
    public void LoadBalancer_DeletionProtection_IsOnInProdOnly(string stage, string expected)
    {
        var attributes = Attributes(Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer").Properties.GetProperty("LoadBalancerAttributes"));

        Assert.Equal(expected, attributes["deletion_protection.enabled"].GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AccessLogs_GoToAHardenedSseS3Bucket(string stage)
    {
        var attributes = Attributes(Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer").Properties.GetProperty("LoadBalancerAttributes"));
        Assert.Equal("true", attributes["access_logs.s3.enabled"].GetString());
        var bucketId = SynthesisedStage.RefOf(attributes["access_logs.s3.bucket"]);
        var bucket = stages[stage].Resource(bucketId);
        var properties = bucket.GetProperty("Properties");

        // ALB log delivery accepts SSE-S3 only.
        var encryption = Assert.Single(properties.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").EnumerateArray());
        Assert.Equal("AES256", encryption.GetProperty("ServerSideEncryptionByDefault").GetProperty("SSEAlgorithm").GetString());
        var block = properties.GetProperty("PublicAccessBlockConfiguration");
        Assert.All(PublicAccessBlockFlags,
            flag => Assert.True(block.GetProperty(flag).GetBoolean(), flag));
        Assert.Equal("BucketOwnerEnforced", Assert.Single(properties.GetProperty("OwnershipControls").GetProperty("Rules").EnumerateArray())
            .GetProperty("ObjectOwnership").GetString());
        Assert.False(properties.TryGetProperty("AccessControl", out _));
        Assert.Equal("Enabled", properties.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
        Assert.Contains(properties.GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray(),
            r => r.TryGetProperty("NoncurrentVersionExpiration", out _) && r.GetProperty("Status").GetString() == "Enabled");

        var kept = stage == "prod" ? "Retain" : "Delete";
        Assert.Equal(kept, bucket.GetProperty("DeletionPolicy").GetString());
        Assert.Equal(kept, bucket.GetProperty("UpdateReplacePolicy").GetString());
        // autoDeleteObjects would add a nodejs20.x custom-resource Lambda (cfn-lint E2533).
        Assert.Empty(stages[stage].Resources("Custom::S3AutoDeleteObjects"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AccessLogBucket_RefusesRequestsWithoutTls(string stage)
    {
        var attributes = Attributes(Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer").Properties.GetProperty("LoadBalancerAttributes"));
        var bucketId = SynthesisedStage.RefOf(attributes["access_logs.s3.bucket"]);
        var policy = Assert.Single(stages[stage].Resources("AWS::S3::BucketPolicy"), p => SynthesisedStage.RefOf(p.Properties.GetProperty("Bucket")) == bucketId).Properties;

        var deny = Assert.Single(policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray(),
            s => s.GetProperty("Effect").GetString() == "Deny");
        Assert.Equal("s3:*", deny.GetProperty("Action").GetString());
        Assert.Equal("false", deny.GetProperty("Condition").GetProperty("Bool").GetProperty("aws:SecureTransport").GetString());
        Assert.Equal(2, deny.GetProperty("Resource").GetArrayLength());
        Assert.DoesNotContain(policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray(),
            s => s.GetProperty("Effect").GetString() == "Allow" && s.GetProperty("Principal").ToString().Contains("\"*\"", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void TargetGroup_ChecksLivenessNotTheDatabase_AndDrainsForTheStagesDelay(string stage)
    {
        var fleet = stages[stage].Config.Fleet;
        var group = Single(stage, "AWS::ElasticLoadBalancingV2::TargetGroup").Properties;

        Assert.Equal("/health/live", group.GetProperty("HealthCheckPath").GetString());
        Assert.Equal(("HTTP", fleet.AppPort, "instance"),
            (group.GetProperty("Protocol").GetString(), group.GetProperty("Port").GetInt32(), group.GetProperty("TargetType").GetString()));
        Assert.Equal("200", group.GetProperty("Matcher").GetProperty("HttpCode").GetString());
        Assert.InRange(group.GetProperty("HealthyThresholdCount").GetInt32(), 2, 5);
        Assert.InRange(group.GetProperty("UnhealthyThresholdCount").GetInt32(), 2, 5);
        Assert.InRange(group.GetProperty("HealthCheckIntervalSeconds").GetInt32(), 5, 30);
        Assert.True(group.GetProperty("HealthCheckTimeoutSeconds").GetInt32() < group.GetProperty("HealthCheckIntervalSeconds").GetInt32());
        Assert.Equal(Invariant(fleet.DeregistrationDelaySeconds), Attributes(group.GetProperty("TargetGroupAttributes"))["deregistration_delay.timeout_seconds"].GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AlbDnsName_IsAnOutput(string stage)
    {
        var (loadBalancerId, _) = Single(stage, "AWS::ElasticLoadBalancingV2::LoadBalancer");
        var value = stages[stage].Json.GetProperty("Outputs").GetProperty("AlbDnsName").GetProperty("Value").GetProperty("Fn::GetAtt");

        Assert.Equal(loadBalancerId, value[0].GetString());
        Assert.Equal("DNSName", value[1].GetString());
    }

    /// <summary>A policy's Action or Resource: one value or a list; a non-string (an intrinsic) counts as specific.</summary>
    private static IEnumerable<string> Values(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : "(intrinsic)"),
        _ => ["(intrinsic)"],
    };

    private IEnumerable<JsonElement> CpuAlarms(string stage) =>
        stages[stage].Resources("AWS::CloudWatch::Alarm").Select(a => a.Properties)
            .Where(a => a.TryGetProperty("Namespace", out var ns) && ns.GetString() == "AWS/EC2"
                && a.GetProperty("MetricName").GetString() == "CPUUtilization");

    private void AssertSubnetsAreTheTierInEachZone(string stage, JsonElement subnetRefs, string tier)
    {
        var subnets = subnetRefs.EnumerateArray().Select(s => stages[stage].Resource(SynthesisedStage.RefOf(s)).GetProperty("Properties")).ToList();
        Assert.Equal(stages[stage].Config.AvailabilityZones.Count, subnets.Count);
        Assert.All(subnets, s => Assert.Equal(tier, Tags(s.GetProperty("Tags"))["aws-cdk:subnet-name"]));
        Assert.Equal(stages[stage].Config.AvailabilityZones.Order(StringComparer.Ordinal),
            subnets.Select(s => s.GetProperty("AvailabilityZone").GetString()!).Order(StringComparer.Ordinal));
    }

    /// <summary>The launch template the group launches from (the bastion has its own).</summary>
    private (string LogicalId, JsonElement Properties) FleetLaunchTemplate(string stage)
    {
        var id = SynthesisedStage.RefOf(Single(stage, "AWS::AutoScaling::AutoScalingGroup").Properties.GetProperty("LaunchTemplate").GetProperty("LaunchTemplateId"));
        return (id, stages[stage].Resource(id).GetProperty("Properties"));
    }

    private (string LogicalId, JsonElement Properties) Single(string stage, string type) => Assert.Single(stages[stage].Resources(type));

    private static Dictionary<string, JsonElement> Attributes(JsonElement keyValues) =>
        keyValues.EnumerateArray().ToDictionary(a => a.GetProperty("Key").GetString()!, a => a.GetProperty("Value"));

    private static Dictionary<string, string> Tags(JsonElement tags) =>
        tags.EnumerateArray().ToDictionary(t => t.GetProperty("Key").GetString()!, t => t.GetProperty("Value").GetString()!);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
