using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class IamPolicyTests
{
    [Fact]
    public void Iam1_GrantsOnNamedResourcesAndKeyAdministration_HaveNoFinding()
    {
        var gate = new Gate();
        var role = new Role(gate.Stack, "App", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        new Bucket(gate.Stack, "Files").GrantReadWrite(role);
        new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true }).GrantEncryptDecrypt(role);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["cloudwatch:PutMetricData"], Resources = ["*"] }));

        Assert.Empty(gate.Findings(IamRules.LeastPrivilege.Id));
    }

    [Fact]
    public void Iam1_ServiceWildcardOnEverything_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var role = new Role(gate.Stack, "App", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:*"], Resources = ["*"] }));

        var findings = gate.Errors(IamRules.LeastPrivilege.Id);

        Gate.AssertFinding(findings, IamRules.LeastPrivilege, "Gate-dev/App/DefaultPolicy/Resource");
        Assert.Contains(findings, f => f.Contains("wildcard action s3:*", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("s3:* on Resource *", StringComparison.Ordinal));
    }

    [Fact]
    public void Iam1_NamedActionOnEverything_Fails()
    {
        var gate = new Gate();
        var role = new Role(gate.Stack, "App", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:SendMessage"], Resources = ["*"] }));

        var finding = Assert.Single(gate.Errors(IamRules.LeastPrivilege.Id));
        Assert.Contains("sqs:SendMessage on Resource *", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Iam2_RoleWithNamedPassRoleAndKeyGrant_HasNoFinding()
    {
        var gate = new Gate();
        var role = new Role(gate.Stack, "App", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        var other = new Role(gate.Stack, "Other", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        other.GrantPassRole(role);
        new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true }).GrantDecrypt(role);

        Assert.Empty(gate.Findings(IamRules.NoHiddenAdmin.Id));
    }

    [Fact]
    public void Iam2_DecryptOnEverything_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var role = new Role(gate.Stack, "App", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["kms:Decrypt", "iam:*"], Resources = ["*"] }));

        var findings = gate.Errors(IamRules.NoHiddenAdmin.Id);

        Gate.AssertFinding(findings, IamRules.NoHiddenAdmin, "Gate-dev/App/DefaultPolicy/Resource");
        Assert.Contains(findings, f => f.Contains("kms:Decrypt on Resource *", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("grants iam:*", StringComparison.Ordinal));
    }

    [Fact]
    public void Iam2_IamUser_Fails()
    {
        var gate = new Gate();
        _ = new User(gate.Stack, "Operator");

        Gate.AssertFinding(gate.Errors(IamRules.NoHiddenAdmin.Id), IamRules.NoHiddenAdmin, "Gate-dev/Operator/Resource");
    }

    [Fact]
    public void Iam3_AllowListedManagedPolicies_HaveNoFinding()
    {
        var gate = new Gate();
        _ = new Role(gate.Stack, "App", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            ManagedPolicies =
            [
                ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
                ManagedPolicy.FromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole"),
            ],
        });

        Assert.Empty(gate.Findings(IamRules.ReviewedManagedPolicies.Id));
    }

    [Fact]
    public void Iam3_AdministratorAccess_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Role(gate.Stack, "App", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AdministratorAccess")],
        });

        var finding = Assert.Single(gate.Errors(IamRules.ReviewedManagedPolicies.Id));
        Gate.AssertFinding([finding], IamRules.ReviewedManagedPolicies, "Gate-dev/App/Resource");
        Assert.Contains("AdministratorAccess", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Iam4_GrantToARoleAndTlsDenyForAll_HasNoFinding()
    {
        var gate = new Gate();
        var bucket = new Bucket(gate.Stack, "Files", new BucketProps { EnforceSSL = true });
        bucket.GrantRead(new Role(gate.Stack, "Reader", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") }));

        Assert.Empty(gate.Findings(IamRules.NoPublicPrincipal.Id));
    }

    [Fact]
    public void Iam4_BucketPolicyAllowingEveryone_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var bucket = new Bucket(gate.Stack, "Files");
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.ALLOW, Principals = [new AnyPrincipal()], Actions = ["s3:GetObject"], Resources = [bucket.ArnForObjects("*")],
        }));

        Gate.AssertFinding(gate.Errors(IamRules.NoPublicPrincipal.Id), IamRules.NoPublicPrincipal, "Gate-dev/Files/Policy/Resource");
    }

    [Fact]
    public void Iam5_RotatedKeyWithDefaultPolicy_HasNoFinding()
    {
        var gate = new Gate();
        var key = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true });
        key.GrantDecrypt(new ServicePrincipal("logs.amazonaws.com"));

        Assert.Empty(gate.Findings(IamRules.KeyHygiene.Id));
    }

    [Fact]
    public void Iam5_UnrotatedKey_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Key(gate.Stack, "Key");

        Gate.AssertFinding(gate.Errors(IamRules.KeyHygiene.Id), IamRules.KeyHygiene, "Gate-dev/Key/Resource");
    }

    [Fact]
    public void Iam5_KeyPolicyNamingARole_Fails()
    {
        var gate = new Gate();
        var key = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true });
        key.GrantDecrypt(new ArnPrincipal("arn:aws:iam::222222222222:role/reader"));

        var finding = Assert.Single(gate.Errors(IamRules.KeyHygiene.Id));
        Assert.Contains("arn:aws:iam::222222222222:role/reader", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Iam7_AServiceGrantWithoutCondition_FailsWithPathAndFix()
    {
        var gate = new Gate();
        var key = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true });
        key.GrantEncryptDecrypt(new ServicePrincipal("logs.eu-west-2.amazonaws.com"));

        var finding = Assert.Single(gate.Errors(IamRules.ConditionedServiceGrants.Id));
        Gate.AssertFinding([finding], IamRules.ConditionedServiceGrants, "Gate-dev/Key/Resource");
        Assert.Contains("lets logs.eu-west-2.amazonaws.com use the key for any account's resources", finding, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ArnLike", "kms:EncryptionContext:aws:logs:arn")]
    [InlineData("StringEquals", "aws:SourceAccount")]
    [InlineData("StringEquals", "kms:ViaService")]
    public void Iam7_AServiceGrantBoundToOurResources_Passes(string condition, string conditionKey)
    {
        var gate = new Gate();
        var key = new Key(gate.Stack, "Key", new KeyProps { EnableKeyRotation = true });
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("logs.eu-west-2.amazonaws.com")],
            Actions = ["kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { [condition] = new Dictionary<string, object> { [conditionKey] = "111111111111" } },
        }));

        Assert.Empty(gate.Findings(IamRules.ConditionedServiceGrants.Id));
    }

    private const string GitHub = "token.actions.githubusercontent.com";

    [Fact]
    public void Iam6_TrustPinnedToOneEnvironmentOfOneRepository_HasNoFinding()
    {
        var gate = new Gate();
        _ = CiRole(gate, "StringEquals", new() { [$"{GitHub}:aud"] = "sts.amazonaws.com", [$"{GitHub}:sub"] = "repo:loyalty-platform/loyalty:environment:prod" });

        Assert.Empty(gate.Findings(IamRules.PinnedFederatedTrust.Id));
    }

    [Theory]
    [InlineData("repo:loyalty-platform/*", "a wildcard")] // every repository of the owner
    [InlineData("repo:loyalty-platform/loyalty:*", "a wildcard")] // every branch, fork pull request and environment
    [InlineData("*", "a wildcard")]
    public void Iam6_WidenedSubject_FailsWithPathAndFix(string subject, string fault)
    {
        var gate = new Gate();
        _ = CiRole(gate, "StringEquals", new() { [$"{GitHub}:aud"] = "sts.amazonaws.com", [$"{GitHub}:sub"] = subject });

        var findings = gate.Errors(IamRules.PinnedFederatedTrust.Id);

        Gate.AssertFinding(findings, IamRules.PinnedFederatedTrust, "Gate-dev/Deploy/Resource");
        Assert.Contains(findings, f => f.Contains($"sub \"{subject}\", {fault}", StringComparison.Ordinal));
    }

    [Fact]
    public void Iam6_SubjectMatchedWithStringLike_Fails()
    {
        var gate = new Gate();
        _ = CiRole(gate, "StringLike", new() { [$"{GitHub}:aud"] = "sts.amazonaws.com", [$"{GitHub}:sub"] = "repo:loyalty-platform/loyalty:environment:prod" });

        var findings = gate.Errors(IamRules.PinnedFederatedTrust.Id);

        Assert.Contains(findings, f => f.Contains("with StringLike, not StringEquals", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("does not pin the token's sub", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("aud")]
    [InlineData("sub")]
    public void Iam6_UnpinnedClaim_Fails(string missing)
    {
        var gate = new Gate();
        var claims = new Dictionary<string, object> { [$"{GitHub}:aud"] = "sts.amazonaws.com", [$"{GitHub}:sub"] = "repo:loyalty-platform/loyalty:pull_request" };
        claims.Remove($"{GitHub}:{missing}");
        _ = CiRole(gate, "StringEquals", claims);

        var finding = Assert.Single(gate.Errors(IamRules.PinnedFederatedTrust.Id));
        Assert.Contains($"does not pin the token's {missing}", finding, StringComparison.Ordinal);
    }

    /// <summary>A role GitHub's OIDC tokens may assume under one condition operator, as the ci stack builds it.</summary>
    private static Role CiRole(Gate gate, string conditionOperator, Dictionary<string, object> claims)
    {
        var provider = new CfnOIDCProvider(gate.Stack, "GitHubOidc", new CfnOIDCProviderProps { Url = $"https://{GitHub}", ClientIdList = ["sts.amazonaws.com"] });
        return new Role(gate.Stack, "Deploy", new RoleProps
        {
            AssumedBy = new FederatedPrincipal(provider.AttrArn, new Dictionary<string, object> { [conditionOperator] = claims }, "sts:AssumeRoleWithWebIdentity"),
        });
    }
}
