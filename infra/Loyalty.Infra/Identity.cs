using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: its banks, domain prefix and token lifetime.</param>
/// <param name="InstanceRole">The API instances: they read the settings this construct publishes.</param>
public sealed record IdentityProps
{
    public required StageConfig Stage { get; init; }

    public required IRole InstanceRole { get; init; }
}

/// <summary>
/// Who may call the API: a Cognito user pool for partner and operations staff (TOTP MFA required, threat protection
/// enforced, admin-created accounts only), a resource server holding the API's scopes, one client-credentials app
/// client per bank of the stage with only that bank's scopes, and the hosted domain whose /oauth2/token issues the
/// banks' tokens. The API's issuer and client-to-bank map go to SSM parameters the instances read at boot.
/// </summary>
public sealed class Identity : Construct
{
    private readonly Dictionary<string, UserPoolClient> clients = new(StringComparer.Ordinal);

    /// <summary>The resource server's identifier: the API expects scopes as <c>loyalty/&lt;scope&gt;</c>.</summary>
    public const string ResourceServerIdentifier = Loyalty.Core.Scopes.ResourceServer;

    public const int MinimumPasswordLength = 14;

    /// <summary>How a bank's app client name ends; the policy gate finds each bank's client by it.</summary>
    public static string BankClientSuffix(string code) => $"bank-{code}";

    public const int TempPasswordValidityDays = 3;

    public Identity(Construct scope, string id, IdentityProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var instanceRole = props.InstanceRole;
        var stack = Stack.Of(this);
        var settings = stage.Identity;
        ParameterPath = StageResources.ApiSettingsPath(stage);

        UserPool = new UserPool(this, "UserPool", new UserPoolProps
        {
            UserPoolName = $"loyalty-{stage.Name}",
            SelfSignUpEnabled = false,
            SignInAliases = new SignInAliases { Username = true, Email = true },
            AutoVerify = new AutoVerifiedAttrs { Email = true },
            Mfa = Mfa.REQUIRED,
            MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
            // SMS is never used (TOTP only), so no SNS role.
            EnableSmsRole = false,
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            AdvancedSecurityMode = AdvancedSecurityMode.ENFORCED,
            PasswordPolicy = new PasswordPolicy
            {
                MinLength = MinimumPasswordLength,
                RequireLowercase = true,
                RequireUppercase = true,
                RequireDigits = true,
                RequireSymbols = true,
                TempPasswordValidity = Duration.Days(TempPasswordValidityDays),
            },
            DeletionProtection = stage.IsProduction,
            RemovalPolicy = StageResources.Removal(stage),
        });
        // Threat protection (AdvancedSecurityMode) is a Plus-plan feature on Cognito now; CDK 2.160 has no prop for the tier.
        ((CfnUserPool)UserPool.Node.DefaultChild!).AddPropertyOverride("UserPoolTier", "PLUS"); // DefaultChild: an L2 UserPool always has its CfnUserPool.

        var scopes = StageLoader.BankScopes.ToDictionary(
            s => s,
            s => new ResourceServerScope(new ResourceServerScopeProps { ScopeName = s, ScopeDescription = $"Loyalty API: {s}" }),
            StringComparer.Ordinal);
        ResourceServer = UserPool.AddResourceServer("ResourceServer", new UserPoolResourceServerOptions
        {
            Identifier = ResourceServerIdentifier,
            UserPoolResourceServerName = $"loyalty-{stage.Name}-api",
            Scopes = [.. scopes.Values],
        });

        Domain = UserPool.AddDomain("Domain", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = settings.DomainPrefix },
        });

        Issuer = $"https://cognito-idp.{stack.Region}.amazonaws.com/{UserPool.UserPoolId}";
        TokenEndpoint = $"https://{settings.DomainPrefix}.auth.{stack.Region}.amazoncognito.com/oauth2/token";
        StageResources.ApiSetting(this, "AuthIssuer", stage, "Auth__Issuer", Issuer, "The API's token issuer (the stage's user pool)");
        StageResources.ApiSetting(this, "AuthTokenEndpoint", stage, "Auth__TokenEndpoint", TokenEndpoint,
            "Where banks get client-credentials tokens (the API's OpenAPI document names it)");

        foreach (var bank in stage.Banks)
        {
            var client = UserPool.AddClient($"Client{bank.Code}", new UserPoolClientOptions
            {
                UserPoolClientName = $"loyalty-{stage.Name}-{BankClientSuffix(bank.Code)}",
                GenerateSecret = true,
                OAuth = new OAuthSettings
                {
                    Flows = new OAuthFlows { ClientCredentials = true },
                    // Literal "loyalty/<scope>" (the resource server's Ref would hide the identifier in the template);
                    // the dependency below makes the scopes exist before the client names them.
                    Scopes = [.. bank.Scopes.Select(s => OAuthScope.Custom($"{ResourceServerIdentifier}/{scopes[s].ScopeName}"))],
                },
                AccessTokenValidity = Duration.Minutes(settings.AccessTokenMinutes),
                PreventUserExistenceErrors = true,
            });
            client.Node.AddDependency(ResourceServer);
            clients[bank.Code] = client;

            // Cognito client ids are 26 lower-case letters and digits, valid in an SSM name, so each client gets the
            // parameter the API reads as BankClients:Clients:<clientId> (README), with no JSON for the boot script to parse.
            StageResources.ApiSetting(this, $"BankClient{bank.Code}", stage, $"BankClients__Clients__{client.UserPoolClientId}", bank.Code,
                $"Bank code of the {bank.Code} token client");
        }

        // No Grant* covers SSM paths; GetParametersByPath is authorised against the path itself, hence the second ARN.
        ParameterReadStatement = new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.ALLOW,
            Actions = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            Resources =
            [
                stack.FormatArn(new ArnComponents { Service = "ssm", Resource = "parameter", ResourceName = ParameterPath.TrimStart('/') + "*" }),
                stack.FormatArn(new ArnComponents { Service = "ssm", Resource = "parameter", ResourceName = ParameterPath.Trim('/') }),
            ],
        });
        instanceRole.AddToPrincipalPolicy(ParameterReadStatement);
    }

    public UserPool UserPool { get; }

    public UserPoolResourceServer ResourceServer { get; }

    public UserPoolDomain Domain { get; }

    /// <summary>Each bank's client-credentials app client, by bank code.</summary>
    public IReadOnlyDictionary<string, UserPoolClient> Clients => clients;

    /// <summary>The SSM path (with trailing slash) under which the API's settings live.</summary>
    public string ParameterPath { get; }

    public string Issuer { get; }

    public string TokenEndpoint { get; }

    public PolicyStatement ParameterReadStatement { get; }

}
