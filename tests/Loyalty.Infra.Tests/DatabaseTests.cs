using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>The Database construct as both stages synthesise it: what the policy gate (LOY-DB-1..6) will read.</summary>
[Collection(StagesSuite.Name)]
public sealed class DatabaseTests(Stages stages)
{
    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Instance_IsMariaDb1011_OfTheStageClassAndStorage(string stage)
    {
        var (_, db) = Instance(stage);
        var settings = stages[stage].Config.Database;

        Assert.Equal("mariadb", db.GetProperty("Engine").GetString());
        Assert.Equal("10.11", db.GetProperty("EngineVersion").GetString());
        Assert.Equal($"db.{settings.InstanceClass}", db.GetProperty("DBInstanceClass").GetString());
        Assert.Equal("gp3", db.GetProperty("StorageType").GetString());
        Assert.Equal(settings.AllocatedStorageGiB.ToString(System.Globalization.CultureInfo.InvariantCulture), db.GetProperty("AllocatedStorage").GetString());
        Assert.Equal(settings.MaxAllocatedStorageGiB, db.GetProperty("MaxAllocatedStorage").GetInt32());
        Assert.Equal($"loyalty-{stage}", db.GetProperty("DBInstanceIdentifier").GetString());
        Assert.Equal(Database.DatabaseName, db.GetProperty("DBName").GetString());
        Assert.Equal(Database.MariaDbPort.ToString(System.Globalization.CultureInfo.InvariantCulture), db.GetProperty("Port").GetString());
        Assert.True(db.GetProperty("AutoMinorVersionUpgrade").GetBoolean());
        Assert.False(db.GetProperty("AllowMajorVersionUpgrade").GetBoolean());
        Assert.True(db.GetProperty("CopyTagsToSnapshot").GetBoolean());
        Assert.Equal("rds-ca-rsa2048-g1", db.GetProperty("CACertificateIdentifier").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void BothSecrets_RotateThemselvesMonthly_ByAHostedFunctionOnASupportedRuntimeNextToTheFleet(string stage)
    {
        var synthesised = stages[stage];
        var schedules = synthesised.Resources("AWS::SecretsManager::RotationSchedule").ToList();
        string[] attachments = [synthesised.LogicalIdAt("Database/Secret/Attachment/Resource"), synthesised.LogicalIdAt("Database/AppSecret/Attachment/Resource")];

        Assert.Equal(attachments.Order(), schedules.Select(s => SynthesisedStage.RefOf(s.Properties.GetProperty("SecretId"))).Order());
        var appSubnets = synthesised.Resources("AWS::EC2::Subnet")
            .Where(s => s.Properties.GetProperty("Tags").EnumerateArray().Any(t => t.GetProperty("Value").GetString() == Network.AppTier))
            .Select(s => s.LogicalId).Order().ToList();
        foreach (var (_, schedule) in schedules)
        {
            Assert.Equal($"rate({Database.RotationDays} days)", schedule.GetProperty("RotationRules").GetProperty("ScheduleExpression").GetString());
            var function = schedule.GetProperty("HostedRotationLambda");
            Assert.Equal("MariaDBSingleUser", function.GetProperty("RotationType").GetString());
            Assert.Equal(Database.RotationRuntime, function.GetProperty("Runtime").GetString());
            Assert.Equal(synthesised.LogicalIdAt("Database/RotationSecurityGroup/Resource"), function.GetProperty("VpcSecurityGroupIds").GetProperty("Fn::GetAtt")[0].GetString());
            var subnets = function.GetProperty("VpcSubnetIds").GetProperty("Fn::Join")[1].EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object).Select(SynthesisedStage.RefOf).Order().ToList();
            Assert.Equal(appSubnets, subnets);
            Assert.Equal(synthesised.LogicalIdAt("Database/Key/Resource"), function.GetProperty("KmsKeyArn").GetProperty("Fn::GetAtt")[0].GetString());
        }

        // The transform that takes a Runtime; the retired one CDK 2.160 declares is gone.
        Assert.Equal(Database.RotationTransform, synthesised.Json.GetProperty("Transform").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Instance_IgnoresOnlyTheCfnLintMinorVersionCheck(string stage)
    {
        var ignored = stages[stage].Resource(Instance(stage).LogicalId).GetProperty("Metadata").GetProperty("cfn-lint")
            .GetProperty("config").GetProperty("ignore_checks").EnumerateArray().Select(c => c.GetString());

        Assert.Equal(["E3691"], ignored);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Storage_IsEncryptedWithARotatedKeyOfThisStack(string stage)
    {
        var (_, db) = Instance(stage);

        Assert.True(db.GetProperty("StorageEncrypted").GetBoolean());
        var key = KeyOf(stage, db.GetProperty("KmsKeyId"));
        Assert.True(key.GetProperty("Properties").GetProperty("EnableKeyRotation").GetBoolean());
        Assert.Equal(30, key.GetProperty("Properties").GetProperty("PendingWindowInDays").GetInt32());
        var kept = stage == "prod" ? "Retain" : "Delete";
        Assert.Equal(kept, key.GetProperty("DeletionPolicy").GetString());
        Assert.Equal(kept, key.GetProperty("UpdateReplacePolicy").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Key_Policy_NamesOnlyTheAccountAndServices_AndLetsLogsInOnlyForThisInstance(string stage)
    {
        var (_, db) = Instance(stage);
        var statements = KeyOf(stage, db.GetProperty("KmsKeyId")).GetProperty("Properties").GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray().ToList();

        foreach (var principal in statements.Select(s => s.GetProperty("Principal")))
        {
            Assert.True(principal.TryGetProperty("Service", out _) || principal.GetProperty("AWS").GetRawText().Contains(":root", StringComparison.Ordinal), principal.GetRawText());
        }

        var logs = Assert.Single(statements, s => s.GetProperty("Principal").TryGetProperty("Service", out var service) && service.GetString() == $"logs.{stages[stage].Config.Region}.amazonaws.com");
        var scope = logs.GetProperty("Condition").GetProperty("ArnLike").GetProperty("kms:EncryptionContext:aws:logs:arn").GetRawText();
        Assert.Contains($":log-group:/aws/rds/instance/loyalty-{stage}/*", scope, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void MultiAzBackupsAndDeletionProtection_FollowTheStage(string stage)
    {
        var (_, db) = Instance(stage);
        var settings = stages[stage].Config.Database;

        Assert.Equal(settings.MultiAz, db.GetProperty("MultiAZ").GetBoolean());
        Assert.Equal(settings.BackupRetentionDays, db.GetProperty("BackupRetentionPeriod").GetInt32());
        Assert.Equal(settings.DeletionProtection, db.GetProperty("DeletionProtection").GetBoolean());
        Assert.Equal(stage == "dev", db.GetProperty("DeleteAutomatedBackups").GetBoolean());
    }

    [Fact]
    public void Prod_IsMultiAzProtectedAndKeepsTwoWeeksOfBackups()
    {
        var (_, db) = Instance("prod");

        Assert.True(db.GetProperty("MultiAZ").GetBoolean());
        Assert.True(db.GetProperty("DeletionProtection").GetBoolean());
        Assert.True(db.GetProperty("BackupRetentionPeriod").GetInt32() >= 7);
    }

    [Theory]
    [InlineData("dev", "Delete")]
    [InlineData("prod", "Snapshot")]
    public void Instance_OnDeleteOrReplace_IsSnapshottedInProdOnly(string stage, string policy)
    {
        var resource = stages[stage].Resource(Instance(stage).LogicalId);

        Assert.Equal(policy, resource.GetProperty("DeletionPolicy").GetString());
        Assert.Equal(policy, resource.GetProperty("UpdateReplacePolicy").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void ParameterGroup_RequiresTls_AndIsAttached(string stage)
    {
        var (_, db) = Instance(stage);
        var group = stages[stage].Resource(SynthesisedStage.RefOf(db.GetProperty("DBParameterGroupName")));

        Assert.Equal("AWS::RDS::DBParameterGroup", group.GetProperty("Type").GetString());
        var properties = group.GetProperty("Properties");
        Assert.Equal("mariadb10.11", properties.GetProperty("Family").GetString());
        Assert.Equal("ON", properties.GetProperty("Parameters").GetProperty("require_secure_transport").GetString());
        Assert.Equal("1", properties.GetProperty("Parameters").GetProperty("slow_query_log").GetString());
        Assert.Equal("FILE", properties.GetProperty("Parameters").GetProperty("log_output").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Instance_IsPrivate_InTheThreeIsolatedSubnetsOnly(string stage)
    {
        var (_, db) = Instance(stage);
        Assert.False(db.GetProperty("PubliclyAccessible").GetBoolean());

        var group = stages[stage].Resource(SynthesisedStage.RefOf(db.GetProperty("DBSubnetGroupName")));
        Assert.Equal("AWS::RDS::DBSubnetGroup", group.GetProperty("Type").GetString());
        var subnets = group.GetProperty("Properties").GetProperty("SubnetIds").EnumerateArray().Select(SynthesisedStage.RefOf).ToHashSet();

        var isolated = stages[stage].Resources("AWS::EC2::Subnet")
            .Where(s => s.Properties.GetProperty("Tags").EnumerateArray()
                .Any(t => t.GetProperty("Key").GetString() == "aws-cdk:subnet-name" && t.GetProperty("Value").GetString() == Network.DatabaseTier))
            .Select(s => s.LogicalId)
            .ToHashSet();
        Assert.Equal(3, isolated.Count);
        Assert.Equal(isolated, subnets);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void SecurityGroup_AdmitsMariaDbOnlyFromTheAppBastionAndRotationGroups(string stage)
    {
        var (_, db) = Instance(stage);
        var groupId = SynthesisedStage.RefOf(Assert.Single(db.GetProperty("VPCSecurityGroups").EnumerateArray()));
        var group = stages[stage].Resource(groupId).GetProperty("Properties");

        var rules = stages[stage].Resources("AWS::EC2::SecurityGroupIngress")
            .Where(r => SynthesisedStage.RefOf(r.Properties.GetProperty("GroupId")) == groupId)
            .Select(r => r.Properties)
            .Concat(group.TryGetProperty("SecurityGroupIngress", out var inline) ? inline.EnumerateArray() : [])
            .ToList();

        Assert.Equal(3, rules.Count);
        foreach (var rule in rules)
        {
            Assert.Equal("tcp", rule.GetProperty("IpProtocol").GetString());
            Assert.Equal(Database.MariaDbPort, rule.GetProperty("FromPort").GetInt32());
            Assert.Equal(Database.MariaDbPort, rule.GetProperty("ToPort").GetInt32());
            Assert.False(rule.TryGetProperty("CidrIp", out _));
            Assert.False(rule.TryGetProperty("CidrIpv6", out _));
        }

        var sources = rules.Select(r => SynthesisedStage.RefOf(r.GetProperty("SourceSecurityGroupId"))).ToHashSet();
        Assert.Equal(
            [
                stages[stage].LogicalIdAt("ApiFleet/AppSecurityGroup/Resource"), stages[stage].LogicalIdAt("Bastion/SecurityGroup/Resource"),
                stages[stage].LogicalIdAt("Database/RotationSecurityGroup/Resource"),
            ], sources);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void SecurityGroup_OpensNoEgress(string stage)
    {
        var (_, db) = Instance(stage);
        var groupId = SynthesisedStage.RefOf(Assert.Single(db.GetProperty("VPCSecurityGroups").EnumerateArray()));

        // CDK's placeholder for "no egress": a rule to 255.255.255.255/32 on an ICMP type that does not exist.
        var egress = Assert.Single(stages[stage].Resource(groupId).GetProperty("Properties").GetProperty("SecurityGroupEgress").EnumerateArray());
        Assert.Equal("255.255.255.255/32", egress.GetProperty("CidrIp").GetString());
        Assert.Equal("icmp", egress.GetProperty("IpProtocol").GetString());
        Assert.DoesNotContain(stages[stage].Resources("AWS::EC2::SecurityGroupEgress"), r => SynthesisedStage.RefOf(r.Properties.GetProperty("GroupId")) == groupId);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Credentials_AreGeneratedIntoAnEncryptedSecret_NeverInTheTemplate(string stage)
    {
        var (_, db) = Instance(stage);

        var password = db.GetProperty("MasterUserPassword").GetRawText();
        Assert.Contains("{{resolve:secretsmanager:", password, StringComparison.Ordinal);
        var secretId = db.GetProperty("MasterUserPassword").GetProperty("Fn::Join")[1].EnumerateArray()
            .Where(part => part.ValueKind == JsonValueKind.Object).Select(SynthesisedStage.RefOf).Single();

        var secret = stages[stage].Resource(secretId);
        Assert.Equal("AWS::SecretsManager::Secret", secret.GetProperty("Type").GetString());
        var properties = secret.GetProperty("Properties");
        Assert.False(properties.TryGetProperty("SecretString", out _));
        var template = properties.GetProperty("GenerateSecretString").GetProperty("SecretStringTemplate").GetString() ?? "";
        Assert.Equal(Database.MasterUsername, JsonDocument.Parse(template).RootElement.GetProperty("username").GetString());
        Assert.Equal("password", properties.GetProperty("GenerateSecretString").GetProperty("GenerateStringKey").GetString());
        Assert.Equal(SynthesisedStage.RefOf(db.GetProperty("KmsKeyId")), SynthesisedStage.RefOf(properties.GetProperty("KmsKeyId")));
        Assert.Equal(Database.MasterUsername, db.GetProperty("MasterUsername").GetString());
        Assert.Equal(stage == "prod" ? "Retain" : "Delete", secret.GetProperty("DeletionPolicy").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void PerformanceInsights_IsOnWhereTheClassSupportsIt_UnderTheDatabaseKey(string stage)
    {
        var (_, db) = Instance(stage);
        var expected = Database.SupportsPerformanceInsights(stages[stage].Config.Database.InstanceClass);

        Assert.Equal(expected, db.GetProperty("EnablePerformanceInsights").GetBoolean());
        if (expected)
        {
            Assert.Equal(SynthesisedStage.RefOf(db.GetProperty("KmsKeyId")), SynthesisedStage.RefOf(db.GetProperty("PerformanceInsightsKMSKeyId")));
            Assert.Equal(7, db.GetProperty("PerformanceInsightsRetentionPeriod").GetInt32());
        }
        else
        {
            Assert.False(db.TryGetProperty("PerformanceInsightsKMSKeyId", out _));
        }
    }

    [Fact]
    public void PerformanceInsights_IsOnInProd()
    {
        Assert.True(Instance("prod").Properties.GetProperty("EnablePerformanceInsights").GetBoolean());
    }

    [Theory]
    [InlineData("t4g.micro", false)]
    [InlineData("t4g.small", false)]
    [InlineData("t3.micro", false)]
    [InlineData("t4g.medium", true)]
    [InlineData("r7g.large", true)]
    [InlineData("m7g.large", true)]
    public void PerformanceInsights_Support_FollowsTheRdsClassTable(string instanceClass, bool supported)
    {
        Assert.Equal(supported, Database.SupportsPerformanceInsights(instanceClass));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Logs_ErrorSlowQueryAndAudit_AreExported_WithTheAuditPlugin(string stage)
    {
        var (_, db) = Instance(stage);

        Assert.Equal(["error", "slowquery", "audit"], db.GetProperty("EnableCloudwatchLogsExports").EnumerateArray().Select(e => e.GetString()));
        var options = stages[stage].Resource(SynthesisedStage.RefOf(db.GetProperty("OptionGroupName")));
        Assert.Equal("AWS::RDS::OptionGroup", options.GetProperty("Type").GetString());
        var properties = options.GetProperty("Properties");
        Assert.Equal("mariadb", properties.GetProperty("EngineName").GetString());
        Assert.Equal("10.11", properties.GetProperty("MajorEngineVersion").GetString());
        var plugin = Assert.Single(properties.GetProperty("OptionConfigurations").EnumerateArray());
        Assert.Equal("MARIADB_AUDIT_PLUGIN", plugin.GetProperty("OptionName").GetString());
        var events = Assert.Single(plugin.GetProperty("OptionSettings").EnumerateArray());
        Assert.Equal("SERVER_AUDIT_EVENTS", events.GetProperty("Name").GetString());
        Assert.Equal(Database.AuditEvents, events.GetProperty("Value").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Logs_GoToEncryptedLogGroupsWithRetention_CreatedBeforeTheInstance(string stage)
    {
        var (instanceId, db) = Instance(stage);
        var dependsOn = stages[stage].Resource(instanceId).GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()).ToHashSet();
        var kept = stage == "prod" ? "Retain" : "Delete";

        foreach (var log in Database.LogExports)
        {
            var (groupId, group) = Assert.Single(stages[stage].Resources("AWS::Logs::LogGroup"),
                g => g.Properties.TryGetProperty("LogGroupName", out var name) && name.GetString() == $"/aws/rds/instance/loyalty-{stage}/{log}");
            Assert.Equal(SynthesisedStage.RefOf(db.GetProperty("KmsKeyId")), SynthesisedStage.RefOf(group.GetProperty("KmsKeyId")));
            Assert.Equal(stages[stage].Config.Database.LogRetentionDays, group.GetProperty("RetentionInDays").GetInt32());
            Assert.Equal(kept, stages[stage].Resource(groupId).GetProperty("DeletionPolicy").GetString());
            Assert.Contains(groupId, dependsOn);
        }
    }

    [Fact]
    public void Logs_AreKeptAYearInProd()
    {
        Assert.True(stages.Prod.Config.Database.LogRetentionDays >= 365);
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Template_UsesNoLogRetentionLambda(string stage)
    {
        Assert.Empty(stages[stage].Resources("Custom::LogRetention"));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Outputs_GiveTheEndpointAddressAndTheSecretArn(string stage)
    {
        var (instanceId, db) = Instance(stage);
        var outputs = stages[stage].Json.GetProperty("Outputs");

        var endpoint = outputs.GetProperty("DbEndpoint").GetProperty("Value").GetProperty("Fn::GetAtt");
        Assert.Equal(instanceId, endpoint[0].GetString());
        Assert.Equal("Endpoint.Address", endpoint[1].GetString());

        var secret = stages[stage].Resource(SynthesisedStage.RefOf(outputs.GetProperty("DbSecretArn").GetProperty("Value")));
        Assert.Equal("AWS::SecretsManager::SecretTargetAttachment", secret.GetProperty("Type").GetString());
        Assert.Equal(instanceId, SynthesisedStage.RefOf(secret.GetProperty("Properties").GetProperty("TargetId")));
        Assert.Contains(SynthesisedStage.RefOf(secret.GetProperty("Properties").GetProperty("SecretId")), db.GetProperty("MasterUserPassword").GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"instanceClass\": \"t4g.micro\"", "\"instanceClass\": \"db.t4g.micro\"", "database.instanceClass: 'db.t4g.micro'")]
    [InlineData("\"instanceClass\": \"t4g.micro\"", "\"instanceClass\": \"T4G Micro\"", "database.instanceClass: 'T4G Micro'")]
    [InlineData("\"logRetentionDays\": 30", "\"logRetentionDays\": 0", "database.logRetentionDays: 0 is outside 1-3653")]
    [InlineData("\"backupRetentionDays\": 1", "\"backupRetentionDays\": 0", "database.backupRetentionDays: 0 is outside 1-35")]
    [InlineData("\"allocatedStorageGiB\": 20", "\"allocatedStorageGiB\": 60", "database.allocatedStorageGiB: 60")]
    public void StageFile_WithABadDatabaseValue_FailsNamingTheField(string good, string bad, string message)
    {
        var json = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stages", "dev.json"));
        Assert.Contains(good, json, StringComparison.Ordinal);

        var error = Assert.Throws<StageConfigException>(() => StageLoader.Parse(json.Replace(good, bad, StringComparison.Ordinal), "stages/dev.json", "dev"));
        Assert.StartsWith("stages/dev.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private (string LogicalId, JsonElement Properties) Instance(string stage) =>
        Assert.Single(stages[stage].Resources("AWS::RDS::DBInstance"));

    /// <summary>The AWS::KMS::Key of this stack that a KmsKeyId-style value (Ref or GetAtt Arn) points at.</summary>
    private JsonElement KeyOf(string stage, JsonElement reference)
    {
        var key = stages[stage].Resource(SynthesisedStage.RefOf(reference));
        Assert.Equal("AWS::KMS::Key", key.GetProperty("Type").GetString());
        return key;
    }
}
