using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.RDS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

// In the stages collection: the jsii runtime is shared and must not be driven from parallel test classes.
[Collection(StagesSuite.Name)]
public sealed class DatabasePolicyTests
{
    [Fact]
    public void Db1_PrivateInstanceInIsolatedSubnetsBehindAGroupRule_HasNoFinding()
    {
        var gate = new Gate();
        Reachable(gate, publiclyAccessible: false, defaultRoute: false, cidrIngress: false);

        Assert.Empty(gate.Findings(DatabaseRules.NeverReachable.Id));
    }

    [Fact]
    public void Db1_PublicInstanceInARoutedSubnetOpenToACidr_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Reachable(gate, publiclyAccessible: true, defaultRoute: true, cidrIngress: true);

        var findings = gate.Errors(DatabaseRules.NeverReachable.Id);

        Gate.AssertFinding(findings, DatabaseRules.NeverReachable, "Gate-dev/Db");
        Assert.Contains(findings, f => f.Contains("PubliclyAccessible is not false", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("has a default route", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("admits 10.0.0.0/8", StringComparison.Ordinal));
    }

    [Fact]
    public void Db2_EncryptedUnderAKeyOfTheStack_HasNoFinding()
    {
        var gate = new Gate();
        var key = new CfnKey(gate.Stack, "Key", new CfnKeyProps { EnableKeyRotation = true });
        Instance(gate, storageEncrypted: true, kmsKeyId: key.AttrArn, backupDays: 7);

        Assert.Empty(gate.Findings(DatabaseRules.EncryptedWithOwnKey.Id));
    }

    [Fact]
    public void Db2_AwsManagedKey_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Instance(gate, storageEncrypted: true, kmsKeyId: "alias/aws/rds", backupDays: 7);

        Gate.AssertFinding(gate.Errors(DatabaseRules.EncryptedWithOwnKey.Id), DatabaseRules.EncryptedWithOwnKey, "Gate-dev/Db");
    }

    [Fact]
    public void Db2_UnencryptedStorage_Fails()
    {
        var gate = new Gate();
        Instance(gate, storageEncrypted: false, kmsKeyId: null, backupDays: 7);

        var findings = gate.Errors(DatabaseRules.EncryptedWithOwnKey.Id);

        Assert.Contains(findings, f => f.Contains("StorageEncrypted is not true", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev", 1)]
    [InlineData("prod", 7)]
    public void Db5_RetentionAtTheStageMinimum_HasNoFinding(string stage, int days)
    {
        var gate = new Gate(stage);
        Instance(gate, storageEncrypted: true, kmsKeyId: null, backupDays: days);

        Assert.Empty(gate.Findings(DatabaseRules.Backups.Id));
    }

    [Theory]
    [InlineData("dev", 0)]
    [InlineData("prod", 6)]
    public void Db5_RetentionBelowTheStageMinimum_FailsWithPathAndFix(string stage, int days)
    {
        var gate = new Gate(stage);
        Instance(gate, storageEncrypted: true, kmsKeyId: null, backupDays: days);

        Gate.AssertFinding(gate.Errors(DatabaseRules.Backups.Id), DatabaseRules.Backups, $"Gate-{stage}/Db");
    }

    private static void Instance(Gate gate, bool storageEncrypted, string? kmsKeyId, int backupDays) => _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps
    {
        Engine = "mariadb",
        DbInstanceClass = "db.t4g.micro",
        AllocatedStorage = "20",
        StorageEncrypted = storageEncrypted,
        KmsKeyId = kmsKeyId,
        BackupRetentionPeriod = backupDays,
    });

    private static readonly string[] Zones = ["a", "b"];

    private static void Reachable(Gate gate, bool publiclyAccessible, bool defaultRoute, bool cidrIngress)
    {
        var vpc = new CfnVPC(gate.Stack, "Vpc", new CfnVPCProps { CidrBlock = "10.9.0.0/16" });
        var subnets = Zones.Select((az, i) => new CfnSubnet(gate.Stack, $"Subnet{i}", new CfnSubnetProps
        {
            VpcId = vpc.Ref, CidrBlock = $"10.9.{i}.0/24", AvailabilityZone = Gate.Region + az,
        })).ToList();
        var table = new CfnRouteTable(gate.Stack, "Routes", new CfnRouteTableProps { VpcId = vpc.Ref });
        foreach (var (subnet, i) in subnets.Select((s, i) => (s, i)))
        {
            _ = new CfnSubnetRouteTableAssociation(gate.Stack, $"Assoc{i}", new CfnSubnetRouteTableAssociationProps { SubnetId = subnet.Ref, RouteTableId = table.Ref });
        }

        if (defaultRoute)
        {
            var igw = new CfnInternetGateway(gate.Stack, "Igw");
            _ = new CfnRoute(gate.Stack, "ToInternet", new CfnRouteProps { RouteTableId = table.Ref, DestinationCidrBlock = "0.0.0.0/0", GatewayId = igw.Ref });
        }

        var app = new CfnSecurityGroup(gate.Stack, "AppSg", new CfnSecurityGroupProps { GroupDescription = "app", VpcId = vpc.Ref });
        var db = new CfnSecurityGroup(gate.Stack, "DbSg", new CfnSecurityGroupProps { GroupDescription = "db", VpcId = vpc.Ref });
        _ = new CfnSecurityGroupIngress(gate.Stack, "DbFromApp", new CfnSecurityGroupIngressProps
        {
            GroupId = db.AttrGroupId, IpProtocol = "tcp", FromPort = 3306, ToPort = 3306,
            SourceSecurityGroupId = cidrIngress ? null : app.AttrGroupId, CidrIp = cidrIngress ? "10.0.0.0/8" : null,
        });
        var group = new CfnDBSubnetGroup(gate.Stack, "Subnets", new CfnDBSubnetGroupProps
        {
            DbSubnetGroupDescription = "db", SubnetIds = subnets.Select(s => s.Ref).ToArray(),
        });
        _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps
        {
            Engine = "mariadb", DbInstanceClass = "db.t4g.micro", AllocatedStorage = "20",
            PubliclyAccessible = publiclyAccessible, DbSubnetGroupName = group.Ref, VpcSecurityGroups = [db.AttrGroupId],
        });
    }
}
