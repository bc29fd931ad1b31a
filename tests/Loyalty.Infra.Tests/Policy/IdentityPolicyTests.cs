using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class IdentityPolicyTests
{
    private static readonly BankSettings Harb = new("HARB", "arn:aws:iam::310000000001:role/harb-reader", ["programmes.read", "accruals.write"], ["192.0.2.0/28"]);

    [Fact]
    public void Id1_TotpOnlyStrongPasswordsAdminCreatedUsers_HasNoFinding()
    {
        var gate = new Gate();
        _ = StaffPool(gate);

        Assert.Empty(gate.Findings(IdentityRules.StaffAccounts.Id));
    }

    [Fact]
    public void Id1_OptionalMfaWeakPasswordsAndSelfSignUp_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new UserPool(gate.Stack, "Pool", new UserPoolProps
        {
            SelfSignUpEnabled = true,
            Mfa = Mfa.OPTIONAL,
            MfaSecondFactor = new MfaSecondFactor { Otp = false, Sms = true },
            PasswordPolicy = new PasswordPolicy { MinLength = 8, RequireSymbols = false, TempPasswordValidity = Duration.Days(7) },
        });

        var findings = gate.Errors(IdentityRules.StaffAccounts.Id);

        Gate.AssertFinding(findings, IdentityRules.StaffAccounts, "Gate-dev/Pool/Resource");
        Assert.Contains(findings, f => f.Contains("MfaConfiguration is not ON", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("lacks SOFTWARE_TOKEN_MFA", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("MinimumLength is below 14", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("RequireSymbols is not true", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("TemporaryPasswordValidityDays", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("AllowAdminCreateUserOnly is not true", StringComparison.Ordinal));
    }

    [Fact]
    public void Id2_EnforcedThreatProtection_HasNoFinding()
    {
        var gate = new Gate("prod");
        _ = StaffPool(gate);

        Assert.Empty(gate.Findings(IdentityRules.ThreatProtection.Id));
    }

    [Fact]
    public void Id2_AuditOnlyThreatProtectionInDev_IsOnlyAWarning()
    {
        var gate = new Gate("dev");
        _ = StaffPool(gate, AdvancedSecurityMode.AUDIT);

        Gate.AssertFinding(gate.Warnings(IdentityRules.ThreatProtection.Id), IdentityRules.ThreatProtection, "Gate-dev/Pool/Resource");
        Assert.Empty(gate.Errors(IdentityRules.ThreatProtection.Id));
    }

    [Fact]
    public void Id2_NoThreatProtectionInProd_FailsSynth()
    {
        var gate = new Gate("prod");
        _ = StaffPool(gate, AdvancedSecurityMode.OFF);

        Gate.AssertFinding(gate.Errors(IdentityRules.ThreatProtection.Id), IdentityRules.ThreatProtection, "Gate-prod/Pool/Resource");
    }

    [Fact]
    public void Id3_IdentityPoolForSignedInUsersOnly_HasNoFinding()
    {
        var gate = new Gate();
        _ = new CfnIdentityPool(gate.Stack, "Identities", new CfnIdentityPoolProps { AllowUnauthenticatedIdentities = false });

        Assert.Empty(gate.Findings(IdentityRules.NoAnonymousCredentials.Id));
    }

    [Fact]
    public void Id3_IdentityPoolForAnonymousUsers_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new CfnIdentityPool(gate.Stack, "Identities", new CfnIdentityPoolProps { AllowUnauthenticatedIdentities = true });

        Gate.AssertFinding(gate.Errors(IdentityRules.NoAnonymousCredentials.Id), IdentityRules.NoAnonymousCredentials, "Gate-dev/Identities");
    }

    [Fact]
    public void Id4_OneClientCredentialsClientPerBankWithItsScopes_HasNoFinding()
    {
        var gate = new Gate(banks: [Harb]);
        var (pool, server) = PoolWithScopes(gate);
        BankClient(pool, server, "loyalty-dev-bank-HARB", Harb.Scopes);

        Assert.Empty(gate.Findings(IdentityRules.BankClients.Id));
    }

    [Fact]
    public void Id4_UserFlowsForeignScopesAndDayLongTokens_FailWithPathAndFix()
    {
        var gate = new Gate(banks: [Harb]);
        var (pool, server) = PoolWithScopes(gate);
        // Raw: CDK's UserPoolClient refuses some of these mixes itself, the gate must catch them anyway.
        var client = new CfnUserPoolClient(gate.Stack, "BankHARB", new CfnUserPoolClientProps
        {
            UserPoolId = pool.UserPoolId,
            ClientName = "loyalty-dev-bank-HARB",
            GenerateSecret = false,
            ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"],
            AllowedOAuthFlowsUserPoolClient = true,
            AllowedOAuthFlows = ["client_credentials", "code"],
            CallbackUrLs = ["https://example.com/callback"],
            AllowedOAuthScopes = ["loyalty/transactions.read", "other/admin"],
            AccessTokenValidity = 24, // hours, Cognito's default unit
        });
        client.Node.AddDependency(server);

        var findings = gate.Errors(IdentityRules.BankClients.Id);

        Gate.AssertFinding(findings, IdentityRules.BankClients, "Gate-dev/BankHARB");
        Assert.Contains(findings, f => f.Contains("not [client_credentials]", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("GenerateSecret is not true", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("ExplicitAuthFlows is set", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("longer than 60 minutes", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("scope other/admin is not", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("scope loyalty/transactions.read is not one of bank HARB's scopes", StringComparison.Ordinal));
    }

    [Fact]
    public void Id4_BankWithoutClient_FailsOnTheStack()
    {
        var gate = new Gate(banks: [Harb, Harb with { Code = "ORCH" }]);
        var (pool, server) = PoolWithScopes(gate);
        BankClient(pool, server, "loyalty-dev-bank-HARB", Harb.Scopes);

        var finding = Assert.Single(gate.Errors(IdentityRules.BankClients.Id));
        Gate.AssertFinding([finding], IdentityRules.BankClients, "Gate-dev");
        Assert.Contains("bank ORCH of the stage file has 0 app clients", finding, StringComparison.Ordinal);
    }

    private static UserPool StaffPool(Gate gate, AdvancedSecurityMode? threatProtection = null) => new(gate.Stack, "Pool", new UserPoolProps
    {
        SelfSignUpEnabled = false,
        Mfa = Mfa.REQUIRED,
        MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
        EnableSmsRole = false,
        AdvancedSecurityMode = threatProtection ?? AdvancedSecurityMode.ENFORCED,
        PasswordPolicy = new PasswordPolicy
        {
            MinLength = 14,
            RequireLowercase = true,
            RequireUppercase = true,
            RequireDigits = true,
            RequireSymbols = true,
            TempPasswordValidity = Duration.Days(3),
        },
    });

    private static (UserPool Pool, UserPoolResourceServer Server) PoolWithScopes(Gate gate)
    {
        var pool = StaffPool(gate);
        var server = pool.AddResourceServer("Api", new UserPoolResourceServerOptions
        {
            Identifier = "loyalty",
            Scopes = [.. StageLoader.BankScopes.Select(s => new ResourceServerScope(new ResourceServerScopeProps { ScopeName = s, ScopeDescription = s }))],
        });
        return (pool, server);
    }

    private static void BankClient(UserPool pool, UserPoolResourceServer server, string name, IEnumerable<string> scopes)
    {
        var client = pool.AddClient("Bank", new UserPoolClientOptions
        {
            UserPoolClientName = name,
            GenerateSecret = true,
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { ClientCredentials = true },
                Scopes = [.. scopes.Select(s => OAuthScope.Custom($"loyalty/{s}"))],
            },
            AccessTokenValidity = Duration.Minutes(60),
        });
        client.Node.AddDependency(server);
    }
}
