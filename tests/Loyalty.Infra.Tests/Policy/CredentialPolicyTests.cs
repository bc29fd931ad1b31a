using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ImageBuilder;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SSM;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>LOY-DB-4 and LOY-CMP-4: credentials are generated into Secrets Manager and never written into the template.</summary>
[Collection(StagesSuite.Name)]
public sealed class CredentialPolicyTests
{
    // AWS's documented example key id: the shape of a real one, valid for nothing.
    private const string ExampleAccessKeyId = "AKIAIOSFODNN7EXAMPLE";

    [Fact]
    public void Db4_GeneratedSecretUnderOwnKeyAndANamedUser_HasNoFinding()
    {
        var gate = new Gate();
        GeneratedCredentialsDb(gate, "loyalty_admin");

        Assert.Empty(gate.Findings(DatabaseRules.GeneratedCredentials.Id));
    }

    [Fact]
    public void Db4_LiteralPasswordForAdmin_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps
        {
            Engine = "mariadb",
            DbInstanceClass = "db.t4g.micro",
            AllocatedStorage = "20",
            MasterUsername = "admin",
            MasterUserPassword = "correct-horse-battery",
        });

        var findings = gate.Errors(DatabaseRules.GeneratedCredentials.Id);

        Gate.AssertFinding(findings, DatabaseRules.GeneratedCredentials, "Gate-dev/Db");
        Assert.Contains(findings, f => f.Contains("MasterUserPassword is neither absent", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("MasterUsername is admin", StringComparison.Ordinal));
    }

    [Fact]
    public void Db4_RootFromAGeneratedSecret_Fails()
    {
        var gate = new Gate();
        GeneratedCredentialsDb(gate, "root");

        var findings = gate.Errors(DatabaseRules.GeneratedCredentials.Id);

        Gate.AssertFinding(findings, DatabaseRules.GeneratedCredentials, "Gate-dev/Db/Resource");
        Assert.Contains(findings, f => f.Contains("MasterUsername is root", StringComparison.Ordinal));
    }

    [Fact]
    public void Db4_SecretWrittenOutUnderTheAwsKey_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new CfnSecret(gate.Stack, "Secret", new CfnSecretProps { SecretString = "{\"password\":\"correct-horse-battery\"}" });

        var findings = gate.Errors(DatabaseRules.GeneratedCredentials.Id);

        Gate.AssertFinding(findings, DatabaseRules.GeneratedCredentials, "Gate-dev/Secret");
        Assert.Contains(findings, f => f.Contains("SecretString is set", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("GenerateSecretString is not set", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("KmsKeyId does not point", StringComparison.Ordinal));
    }

    [Fact]
    public void Cmp4_UserDataThatFetchesItsSecretsAtBoot_HasNoFinding()
    {
        var gate = new Gate();
        var userData = UserData.ForLinux();
        userData.AddCommands(
            "password=$(aws secretsmanager get-secret-value --secret-id loyalty/db --query SecretString --output text)",
            "echo \"Database__Password=${password}\" > /etc/loyalty/env");
        _ = new LaunchTemplate(gate.Stack, "Template", new LaunchTemplateProps { UserData = userData });
        _ = new StringParameter(gate.Stack, "Setting", new StringParameterProps { StringValue = "https://cognito-idp.eu-west-2.amazonaws.com/pool" });

        Assert.Empty(gate.Findings(ComputeRules.NoSecretsInTemplates.Id));
    }

    [Theory]
    [InlineData("export AWS_ACCESS_KEY_ID=" + ExampleAccessKeyId, "an AWS access key id")]
    [InlineData("cat > /root/.ssh/id_rsa <<KEY\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nKEY", "a private key")]
    [InlineData("mysql --user=loyalty --password=hunter2hunter2", "a literal password= or secret= value")]
    public void Cmp4_SecretInUserData_FailsWithPathAndFix(string command, string what)
    {
        var gate = new Gate();
        var userData = UserData.ForLinux();
        userData.AddCommands(command);
        _ = new LaunchTemplate(gate.Stack, "Template", new LaunchTemplateProps { UserData = userData });

        var finding = Assert.Single(gate.Errors(ComputeRules.NoSecretsInTemplates.Id));
        Gate.AssertFinding([finding], ComputeRules.NoSecretsInTemplates, "Gate-dev/Template/Resource");
        Assert.Contains(what, finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Cmp4_SecretInBase64UserDataAComponentOrAParameter_Fails()
    {
        var gate = new Gate();
        _ = new CfnLaunchTemplate(gate.Stack, "Raw", new CfnLaunchTemplateProps
        {
            LaunchTemplateData = new CfnLaunchTemplate.LaunchTemplateDataProperty
            {
                UserData = Convert.ToBase64String("#!/bin/bash\nsecret=s3cr3t-value ./start\n"u8.ToArray()),
            },
        });
        _ = new CfnComponent(gate.Stack, "Component", new CfnComponentProps
        {
            Name = "install",
            Platform = "Linux",
            Version = "1.0.0",
            Data = $"phases:\n  - name: build\n    steps:\n      - name: keys\n        action: ExecuteBash\n        inputs:\n          commands: [\"aws configure set aws_access_key_id {ExampleAccessKeyId}\"]\n",
        });
        _ = new Amazon.CDK.AWS.SSM.CfnParameter(gate.Stack, "Parameter", new Amazon.CDK.AWS.SSM.CfnParameterProps { Type = "String", Value = "password=letmein-please" });

        var findings = gate.Errors(ComputeRules.NoSecretsInTemplates.Id);

        Gate.AssertFinding(findings, ComputeRules.NoSecretsInTemplates, "Gate-dev/Raw");
        Gate.AssertFinding(findings, ComputeRules.NoSecretsInTemplates, "Gate-dev/Component");
        Gate.AssertFinding(findings, ComputeRules.NoSecretsInTemplates, "Gate-dev/Parameter");
    }

    /// <summary>A MariaDB instance whose user and password CDK generates into a secret under a key of the stack.</summary>
    private static void GeneratedCredentialsDb(Gate gate, string username) =>
        _ = new DatabaseInstance(gate.Stack, "Db", new DatabaseInstanceProps
        {
            Engine = DatabaseInstanceEngine.MariaDb(new MariaDbInstanceEngineProps { Version = MariaDbEngineVersion.VER_10_11 }),
            Vpc = new Vpc(gate.Stack, "Vpc", new VpcProps { MaxAzs = 2, NatGateways = 0 }),
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED },
            Credentials = Credentials.FromGeneratedSecret(username, new CredentialsBaseOptions { EncryptionKey = new Key(gate.Stack, "Key") }),
        });
}
