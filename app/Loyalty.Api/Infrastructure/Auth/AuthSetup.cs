using Loyalty.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Loyalty.Api.Infrastructure.Auth;

public static class AuthSetup
{
    /// <summary>Issuer settings and, where configured, the development issuer (the token command uses only these).</summary>
    public static IServiceCollection AddTokenIssuerSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .ValidateDataAnnotations()
            .Validate<IHostEnvironment>(
                (auth, env) => auth.DevelopmentKeyFile is null || env.IsDevelopment(),
                "Auth:DevelopmentKeyFile is set but the environment is not Development: the development token issuer runs nowhere else.")
            .ValidateOnStart();

        services.AddSingleton(provider =>
        {
            var auth = provider.GetRequiredService<IOptions<AuthOptions>>().Value;
            var env = provider.GetRequiredService<IHostEnvironment>();
            if (auth.DevelopmentKeyFile is null || !env.IsDevelopment())
            {
                throw new InvalidOperationException("The development token issuer is not configured for this environment.");
            }

            return DevelopmentIssuer.FromKeyFile(
                Path.Combine(env.ContentRootPath, auth.DevelopmentKeyFile), auth.Issuer, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    public static IServiceCollection AddLoyaltyAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTokenIssuerSettings(configuration);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, IServiceProvider>((jwt, authOptions, provider) =>
            {
                var auth = authOptions.Value;
                jwt.MapInboundClaims = false;
                // Nothing reads the bearer token back after validation: no copy of it on every request's properties.
                jwt.SaveToken = false;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new CachingTokenHandler(
                    new JsonWebTokenHandler { MapInboundClaims = false }, provider.GetRequiredService<TimeProvider>()));
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    // Cognito client-credentials access tokens carry no audience; the client id is checked
                    // instead, against the bank_clients table, by the scope policies.
                    ValidateAudience = false,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = BankClaims.ClientId,
                };
                if (auth.DevelopmentKeyFile is not null)
                {
                    jwt.TokenValidationParameters.IssuerSigningKey = provider.GetRequiredService<DevelopmentIssuer>().SigningKey;
                    jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
                }
                else
                {
                    jwt.Authority = auth.Authority ?? auth.Issuer;
                    jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
                }

                jwt.Events = new JwtBearerEvents
                {
                    OnChallenge = context =>
                    {
                        // The handler's description quotes the token's own issuer or audience into the
                        // WWW-Authenticate header: a token could put a quote, a line break or non-ASCII there,
                        // and Kestrel then refuses the header and the challenge becomes a 500. The error code
                        // alone is what RFC 6750 asks for; the problem body explains.
                        context.ErrorDescription = null;
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = context =>
                    {
                        // An ID token of the same pool must not open the API: only access tokens.
                        if (context.Principal?.FindFirst("token_use")?.Value != "access")
                        {
                            context.Fail("Only access tokens are accepted.");
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        // Stateless over the catalogue (a singleton): one instance, not one resolved on every request.
        services.AddSingleton<IClaimsTransformation, BankClaims>();
        // Any endpoint not marked anonymous needs a caller with a valid token, also one a future change maps
        // without a policy of its own; each /v1 group adds its scope on top.
        var authorization = services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(scope, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.FindBankCode() is not null && context.User.HasScope(scope)));
        }

        return services;
    }
}
