using System.Text.Json.Nodes;

namespace Loyalty.Infra.PolicyGate;

public static class IdentityRules
{
    public const int MinPasswordLength = 14;
    public const int MaxTempPasswordDays = 3;
    public const int MaxAccessTokenMinutes = 60;

    private static readonly (string Property, string Class)[] CharacterClasses =
    [
        ("RequireLowercase", "lower-case letters"),
        ("RequireUppercase", "upper-case letters"),
        ("RequireNumbers", "digits"),
        ("RequireSymbols", "symbols"),
    ];

    public static readonly PolicyRule StaffAccounts = new(
        "LOY-ID-1", Severity.Error, "Identity", "Staff accounts resist stuffing",
        $"set Mfa = Mfa.REQUIRED with MfaSecondFactor Otp, a PasswordPolicy of at least {MinPasswordLength} characters requiring all four "
        + $"character classes with TempPasswordValidity of at most {MaxTempPasswordDays} days, and SelfSignUpEnabled = false",
        (r, _) => r.Type != "AWS::Cognito::UserPool" ? [] : StaffAccountFaults(r.Properties));

    public static readonly PolicyRule ThreatProtection = new(
        "LOY-ID-2", Severity.Warning, "Identity", "Blocks risky sign-ins",
        "set AdvancedSecurityMode = AdvancedSecurityMode.ENFORCED",
        (r, _) => r.Type == "AWS::Cognito::UserPool" && r.Properties.At("UserPoolAddOns", "AdvancedSecurityMode").Text() != "ENFORCED"
            ? ["UserPoolAddOns.AdvancedSecurityMode is not ENFORCED"]
            : []);

    public static readonly PolicyRule NoAnonymousCredentials = new(
        "LOY-ID-3", Severity.Error, "Identity", "No anonymous AWS credentials",
        "set AllowUnauthenticatedIdentities = false on the identity pool",
        (r, _) => r.Type == "AWS::Cognito::IdentityPool" && r.Properties.Get("AllowUnauthenticatedIdentities").IsTrue()
            ? ["AllowUnauthenticatedIdentities is true"]
            : []);

    public static readonly PolicyRule BankClients = new(
        "LOY-ID-4", Severity.Error, "Identity", "Token maps to one bank",
        $"give each bank of the stage file one app client named …{Identity.BankClientSuffix("<code>")} with only the ClientCredentials flow, "
        + $"GenerateSecret = true, only that bank's resource-server scopes, no AuthFlows and AccessTokenValidity of at most {MaxAccessTokenMinutes} minutes",
        BankClientFaults);

    private static IEnumerable<string> StaffAccountFaults(JsonObject p)
    {
        if (p.Get("MfaConfiguration").Text() != "ON")
        {
            yield return "MfaConfiguration is not ON";
        }

        if (!p.Get("EnabledMfas").Items().Any(m => m.Text() == "SOFTWARE_TOKEN_MFA"))
        {
            yield return "EnabledMfas lacks SOFTWARE_TOKEN_MFA";
        }

        var passwords = p.At("Policies", "PasswordPolicy");
        if (passwords.Get("MinimumLength").Number() is not >= MinPasswordLength)
        {
            yield return $"PasswordPolicy.MinimumLength is below {MinPasswordLength}";
        }

        foreach (var (property, name) in CharacterClasses.Where(c => !passwords.Get(c.Property).IsTrue()))
        {
            yield return $"PasswordPolicy.{property} is not true: passwords need not hold {name}";
        }

        if (passwords.Get("TemporaryPasswordValidityDays").Number() is not <= MaxTempPasswordDays)
        {
            yield return $"PasswordPolicy.TemporaryPasswordValidityDays is unset or above {MaxTempPasswordDays}";
        }

        if (!p.At("AdminCreateUserConfig", "AllowAdminCreateUserOnly").IsTrue())
        {
            yield return "AdminCreateUserConfig.AllowAdminCreateUserOnly is not true: anyone may sign up";
        }
    }

    private static IEnumerable<string> BankClientFaults(PolicyResource r, PolicyContext ctx)
    {
        if (r.Type == PolicyResource.StackType)
        {
            var clients = ctx.OfType("AWS::Cognito::UserPoolClient").ToList();
            foreach (var expected in ctx.Banks)
            {
                var count = clients.Count(c => BankOf(c, ctx) == expected);
                if (count != 1)
                {
                    yield return $"bank {expected.Code} of the stage file has {count} app clients named …{Identity.BankClientSuffix(expected.Code)}, not one";
                }
            }

            yield break;
        }

        if (r.Type != "AWS::Cognito::UserPoolClient")
        {
            yield break;
        }

        var p = r.Properties;
        var flows = p.Get("AllowedOAuthFlows").Items().Select(f => f.Text()).ToList();
        if (flows is not ["client_credentials"])
        {
            yield return $"AllowedOAuthFlows is [{string.Join(", ", flows)}], not [client_credentials]";
        }

        if (!p.Get("GenerateSecret").IsTrue())
        {
            yield return "GenerateSecret is not true";
        }

        if (p.Get("ExplicitAuthFlows").Items().Any())
        {
            yield return "ExplicitAuthFlows is set: the client could sign users in";
        }

        if (AccessTokenMinutes(p) is > MaxAccessTokenMinutes)
        {
            yield return $"access tokens live longer than {MaxAccessTokenMinutes} minutes";
        }

        var known = ctx.OfType("AWS::Cognito::UserPoolResourceServer")
            .SelectMany(s => s.Properties.Get("Scopes").Items().Select(scope => $"{s.Properties.Get("Identifier").Text()}/{scope.Get("ScopeName").Text()}"))
            .ToHashSet(StringComparer.Ordinal);
        var bank = BankOf(r, ctx);
        foreach (var scope in p.Get("AllowedOAuthScopes").Items().Select(s => s?.ToJsonString().Trim('"') ?? ""))
        {
            if (!known.Contains(scope))
            {
                yield return $"scope {scope} is not <resource-server>/<scope> of a resource server of this stack";
            }
            else if (bank is not null && !bank.Scopes.Any(s => scope.EndsWith($"/{s}", StringComparison.Ordinal)))
            {
                yield return $"scope {scope} is not one of bank {bank.Code}'s scopes in the stage file";
            }
        }
    }

    private static BankSettings? BankOf(PolicyResource client, PolicyContext ctx)
    {
        var name = client.Properties.Get("ClientName").Text() ?? "";
        return ctx.Banks.FirstOrDefault(b => name.EndsWith(Identity.BankClientSuffix(b.Code), StringComparison.Ordinal));
    }

    /// <summary>The access token's life; Cognito counts AccessTokenValidity in hours unless TokenValidityUnits says otherwise.</summary>
    private static double? AccessTokenMinutes(JsonObject client) =>
        client.Get("AccessTokenValidity").Number() is not { } value ? null
        : (client.At("TokenValidityUnits", "AccessToken").Text() ?? "hours") switch
        {
            "seconds" => value / 60,
            "minutes" => value,
            "days" => value * 24 * 60,
            _ => value * 60,
        };
}
