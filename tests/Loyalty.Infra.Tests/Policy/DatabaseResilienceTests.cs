using Amazon.CDK;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-DB-6, a prod-only warning: it fails prod synth and says nothing in dev.</summary>
[Collection(StagesSuite.Name)]
public sealed class DatabaseResilienceTests
{
    [Fact]
    public void Db6_ResilientInstanceWithRotatedSecret_HasNoFindingInProd()
    {
        var gate = new Gate("prod");
        var db = Instance(gate, multiAz: true);
        var secret = Secret(gate, db);
        _ = new CfnRotationSchedule(gate.Stack, "Rotation", new CfnRotationScheduleProps
        {
            SecretId = secret.Ref, RotationLambdaArn = "arn:aws:lambda:eu-west-2:111111111111:function:rotate",
        });

        Assert.Empty(gate.Findings(DatabaseRules.ProdResilience.Id));
    }

    [Fact]
    public void Db6_ASecretRotatedThroughItsAttachment_HasNoFindingInProd()
    {
        var gate = new Gate("prod");
        Secret(gate, Instance(gate, multiAz: true));
        _ = new CfnRotationSchedule(gate.Stack, "Rotation", new CfnRotationScheduleProps
        {
            SecretId = ((CfnSecretTargetAttachment)gate.Stack.Node.FindChild("Attachment")).Ref,
            HostedRotationLambda = new CfnRotationSchedule.HostedRotationLambdaProperty { RotationType = "MariaDBSingleUser" },
        });

        Assert.Empty(gate.Findings(DatabaseRules.ProdResilience.Id));
    }

    [Fact]
    public void Db6_SingleAzInstanceInProd_FailsSynthWithPathAndFix()
    {
        var gate = new Gate("prod");
        Instance(gate, multiAz: false);

        Gate.AssertFinding(gate.Errors(DatabaseRules.ProdResilience.Id), DatabaseRules.ProdResilience, "Gate-prod/Db");
    }

    [Fact]
    public void Db6_SingleAzInstanceInDev_HasNoFinding()
    {
        var gate = new Gate("dev");
        Instance(gate, multiAz: false);

        Assert.Empty(gate.Findings(DatabaseRules.ProdResilience.Id));
    }

    [Fact]
    public void Db6_UnrotatedDatabaseSecretInProd_FailsAtTheSecret()
    {
        var gate = new Gate("prod");
        Secret(gate, Instance(gate, multiAz: true));

        var finding = Assert.Single(gate.Errors(DatabaseRules.ProdResilience.Id));
        Assert.StartsWith("LOY-DB-6 warning Gate-prod/Secret: the database secret has no AWS::SecretsManager::RotationSchedule", finding, StringComparison.Ordinal);
    }

    private static CfnDBInstance Instance(Gate gate, bool multiAz)
    {
        var db = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps
        {
            Engine = "mariadb",
            DbInstanceClass = "db.r7g.large",
            MultiAz = multiAz,
            DeletionProtection = true,
            EnableCloudwatchLogsExports = ["error", "slowquery", "audit"],
            EnablePerformanceInsights = true,
        });
        db.CfnOptions.DeletionPolicy = CfnDeletionPolicy.SNAPSHOT;
        db.CfnOptions.UpdateReplacePolicy = CfnDeletionPolicy.SNAPSHOT;
        return db;
    }

    private static CfnSecret Secret(Gate gate, CfnDBInstance db)
    {
        var secret = new CfnSecret(gate.Stack, "Secret", new CfnSecretProps
        {
            GenerateSecretString = new CfnSecret.GenerateSecretStringProperty { SecretStringTemplate = "{\"username\":\"loyalty\"}", GenerateStringKey = "password" },
        });
        _ = new CfnSecretTargetAttachment(gate.Stack, "Attachment", new CfnSecretTargetAttachmentProps
        {
            SecretId = secret.Ref, TargetId = db.Ref, TargetType = "AWS::RDS::DBInstance",
        });
        return secret;
    }
}
