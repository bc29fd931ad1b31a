using System.Text;
using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>The Identity construct as both stages synthesise it: user pool, scopes, bank clients, domain, API settings.</summary>
[Collection(StagesSuite.Name)]
public sealed class IdentityTests(Stages stages)
{
    private static readonly string[] ApiScopes = ["programmes.read", "members.validate", "accruals.write", "transactions.read"];
    private static readonly string[] ParameterActions = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"];

    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void UserPool_RequiresTotpMfa_AndEnforcesThreatProtection(string stage)
    {
        var pool = UserPool(stage).Properties;

        Assert.Equal("ON", pool.GetProperty("MfaConfiguration").GetString());
        Assert.Equal(["SOFTWARE_TOKEN_MFA"], pool.GetProperty("EnabledMfas").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal("ENFORCED", pool.GetProperty("UserPoolAddOns").GetProperty("AdvancedSecurityMode").GetString());
        Assert.Equal("PLUS", pool.GetProperty("UserPoolTier").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void UserPool_HasAStrongPasswordPolicy_AndNoSelfSignUp(string stage)
    {
        var pool = UserPool(stage).Properties;

        var password = pool.GetProperty("Policies").GetProperty("PasswordPolicy");
        Assert.True(password.GetProperty("MinimumLength").GetInt32() >= 14);
        foreach (var flag in new[] { "RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols" })
        {
            Assert.True(password.GetProperty(flag).GetBoolean(), flag);
        }

        Assert.InRange(password.GetProperty("TemporaryPasswordValidityDays").GetInt32(), 1, 3);
        Assert.True(pool.GetProperty("AdminCreateUserConfig").GetProperty("AllowAdminCreateUserOnly").GetBoolean());
        var recovery = Assert.Single(pool.GetProperty("AccountRecoverySetting").GetProperty("RecoveryMechanisms").EnumerateArray());
        Assert.Equal("verified_email", recovery.GetProperty("Name").GetString());
    }

    [Theory]
    [InlineData("dev", "INACTIVE", "Delete")]
    [InlineData("prod", "ACTIVE", "Retain")]
    public void UserPool_IsProtectedFromDeletion_InProdOnly(string stage, string protection, string policy)
    {
        var (poolId, properties) = UserPool(stage);
        var resource = stages[stage].Json.GetProperty("Resources").GetProperty(poolId);

        Assert.Equal(protection, properties.GetProperty("DeletionProtection").GetString());
        Assert.Equal(policy, resource.GetProperty("DeletionPolicy").GetString());
        Assert.Equal(policy, resource.GetProperty("UpdateReplacePolicy").GetString());
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void ResourceServer_HoldsTheApisScopes_UnderLoyalty(string stage)
    {
        var (poolId, _) = UserPool(stage);
        var server = Assert.Single(stages[stage].Resources("AWS::Cognito::UserPoolResourceServer")).Properties;

        Assert.Equal("loyalty", server.GetProperty("Identifier").GetString());
        Assert.Equal(poolId, SynthesisedStage.RefOf(server.GetProperty("UserPoolId")));
        Assert.Equal(ApiScopes.Order(StringComparer.Ordinal),
            server.GetProperty("Scopes").EnumerateArray().Select(s => s.GetProperty("ScopeName").GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EachBank_HasExactlyOneClientCredentialsClient_WithOnlyItsScopes(string stage)
    {
        var config = stages[stage].Config;
        var (poolId, _) = UserPool(stage);
        var clients = stages[stage].Resources("AWS::Cognito::UserPoolClient").Select(c => c.Properties).ToList();

        Assert.Equal(config.Banks.Count, clients.Count);
        foreach (var bank in config.Banks)
        {
            var client = Assert.Single(clients, c => c.GetProperty("ClientName").GetString()!.Contains(bank.Code, StringComparison.Ordinal));
            Assert.Equal(poolId, SynthesisedStage.RefOf(client.GetProperty("UserPoolId")));
            Assert.True(client.GetProperty("GenerateSecret").GetBoolean());
            Assert.True(client.GetProperty("AllowedOAuthFlowsUserPoolClient").GetBoolean());
            Assert.Equal(["client_credentials"], client.GetProperty("AllowedOAuthFlows").EnumerateArray().Select(f => f.GetString()!));
            Assert.Equal(bank.Scopes.Select(s => $"loyalty/{s}").Order(StringComparer.Ordinal),
                client.GetProperty("AllowedOAuthScopes").EnumerateArray().Select(Flatten).Order(StringComparer.Ordinal));
            Assert.False(client.TryGetProperty("ExplicitAuthFlows", out _));
            Assert.Equal(config.Identity.AccessTokenMinutes, client.GetProperty("AccessTokenValidity").GetInt32());
            Assert.Equal("minutes", client.GetProperty("TokenValidityUnits").GetProperty("AccessToken").GetString());
            Assert.True(config.Identity.AccessTokenMinutes <= 60);
            Assert.Equal("ENABLED", client.GetProperty("PreventUserExistenceErrors").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Domain_UsesTheStagesPrefix_AndTheTokenEndpointIsAnOutput(string stage)
    {
        var config = stages[stage].Config;
        var (poolId, _) = UserPool(stage);
        var domain = Assert.Single(stages[stage].Resources("AWS::Cognito::UserPoolDomain")).Properties;

        Assert.Equal(config.Identity.DomainPrefix, domain.GetProperty("Domain").GetString());
        Assert.Equal(poolId, SynthesisedStage.RefOf(domain.GetProperty("UserPoolId")));
        Assert.False(domain.TryGetProperty("CustomDomainConfig", out _));

        var outputs = stages[stage].Json.GetProperty("Outputs");
        Assert.Equal($"https://{config.Identity.DomainPrefix}.auth.{config.Region}.amazoncognito.com/oauth2/token",
            Flatten(outputs.GetProperty("TokenEndpoint").GetProperty("Value")));
        Assert.Equal(poolId, SynthesisedStage.RefOf(outputs.GetProperty("UserPoolId").GetProperty("Value")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Api_GetsTheIssuer_AsAnSsmParameter(string stage)
    {
        var config = stages[stage].Config;
        var (poolId, _) = UserPool(stage);

        var issuer = Assert.Single(Parameters(stage), p => Flatten(p.GetProperty("Name")) == $"/loyalty/{stage}/api/Auth__Issuer");
        Assert.Equal("String", issuer.GetProperty("Type").GetString());
        Assert.Equal($"https://cognito-idp.{config.Region}.amazonaws.com/{{Ref:{poolId}}}", Flatten(issuer.GetProperty("Value")));
    }

    /// <summary>The API names its token endpoint in its OpenAPI document (Auth:TokenEndpoint); it is the domain's /oauth2/token.</summary>
    [Theory]
    [MemberData(nameof(StageNames))]
    public void Api_GetsTheTokenEndpoint_AsAnSsmParameter(string stage)
    {
        var config = stages[stage].Config;

        var endpoint = Assert.Single(Parameters(stage), p => Flatten(p.GetProperty("Name")) == $"/loyalty/{stage}/api/Auth__TokenEndpoint");

        Assert.Equal($"https://{config.Identity.DomainPrefix}.auth.{config.Region}.amazoncognito.com/oauth2/token",
            Flatten(endpoint.GetProperty("Value")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void Api_GetsEachClientsBankCode_AsAnSsmParameterNamedByTheClientId(string stage)
    {
        var clientIds = stages[stage].Resources("AWS::Cognito::UserPoolClient")
            .ToDictionary(c => c.LogicalId, c => c.Properties.GetProperty("ClientName").GetString()!);
        var prefix = $"/loyalty/{stage}/api/BankClients__Clients__";
        var parameters = Parameters(stage).Where(p => Flatten(p.GetProperty("Name")).StartsWith(prefix, StringComparison.Ordinal)).ToList();

        Assert.Equal(stages[stage].Config.Banks.Count, parameters.Count);
        foreach (var parameter in parameters)
        {
            var name = Flatten(parameter.GetProperty("Name"));
            var clientId = name[prefix.Length..].TrimStart('{').TrimEnd('}')["Ref:".Length..];
            var code = parameter.GetProperty("Value").GetString()!;
            Assert.Equal("String", parameter.GetProperty("Type").GetString());
            Assert.EndsWith($"-{code}", clientIds[clientId], StringComparison.Ordinal);
        }

        Assert.Equal(stages[stage].Config.Banks.Select(b => b.Code).Order(StringComparer.Ordinal),
            parameters.Select(p => p.GetProperty("Value").GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void InstanceRole_ReadsOnlyTheStagesApiParameters(string stage)
    {
        var config = stages[stage].Config;
        var grants = stages[stage].Resources("AWS::IAM::Policy")
            .SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().Select(s => (Policy: p.Properties, Statement: s)))
            .Where(g => Resources(g.Statement).Any(r => r.Contains($":parameter/loyalty/{stage}/api", StringComparison.Ordinal)))
            .ToList();

        var (policy, statement) = Assert.Single(grants);
        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        Assert.Equal(ParameterActions.Order(StringComparer.Ordinal), Actions(statement).Order(StringComparer.Ordinal));
        var arn = $"arn:{{Ref:AWS::Partition}}:ssm:{config.Region}:{config.Account}:parameter/loyalty/{stage}/api";
        Assert.Equal(new[] { arn, arn + "/*" }.Order(StringComparer.Ordinal),
            statement.GetProperty("Resource").EnumerateArray().Select(Flatten).Order(StringComparer.Ordinal));

        var role = Assert.Single(policy.GetProperty("Roles").EnumerateArray());
        Assert.StartsWith("ApiFleetInstanceRole", SynthesisedStage.RefOf(role), StringComparison.Ordinal);
        Assert.Equal("AWS::IAM::Role", stages[stage].Json.GetProperty("Resources").GetProperty(SynthesisedStage.RefOf(role)).GetProperty("Type").GetString());
    }

    private (string LogicalId, JsonElement Properties) UserPool(string stage) => Assert.Single(stages[stage].Resources("AWS::Cognito::UserPool"));

    private IEnumerable<JsonElement> Parameters(string stage) =>
        stages[stage].Resources("AWS::SSM::Parameter").Select(p => p.Properties)
            .Where(p => Flatten(p.GetProperty("Name")).StartsWith($"/loyalty/{stage}/api/", StringComparison.Ordinal));

    private static IEnumerable<string> Actions(JsonElement statement)
    {
        var action = statement.GetProperty("Action");
        return action.ValueKind == JsonValueKind.Array ? action.EnumerateArray().Select(a => a.GetString()!) : [action.GetString()!];
    }

    private static IEnumerable<string> Resources(JsonElement statement)
    {
        var resource = statement.GetProperty("Resource");
        return resource.ValueKind == JsonValueKind.Array ? resource.EnumerateArray().Select(Flatten) : [Flatten(resource)];
    }

    /// <summary>A string, Ref or Fn::Join as text, with each Ref written <c>{Ref:Id}</c> (other intrinsics as raw JSON).</summary>
    private static string Flatten(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.TryGetProperty("Ref", out var reference))
        {
            return $"{{Ref:{reference.GetString()}}}";
        }

        if (!value.TryGetProperty("Fn::Join", out var join))
        {
            return value.GetRawText();
        }

        var text = new StringBuilder();
        foreach (var part in join[1].EnumerateArray())
        {
            text.Append(Flatten(part));
        }

        return text.ToString();
    }
}
