using System.ComponentModel.DataAnnotations;

namespace Loyalty.Api.Infrastructure.Auth;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Token issuer: in AWS the stage's Cognito user pool URL.</summary>
    [Required]
    public string Issuer { get; set; } = "";

    /// <summary>
    /// Where banks get client-credentials tokens: in AWS the stage's Cognito token endpoint (the stack sets it with
    /// the issuer). The OpenAPI document names it; where unset (local development) it names the issuer instead.
    /// </summary>
    [Url]
    public string? TokenEndpoint { get; set; }

    /// <summary>Where the signing keys (JWKS) are discovered; defaults to the issuer.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// Local development only: a file holding the HMAC key of the development issuer (created if missing).
    /// Refused in Production.
    /// </summary>
    public string? DevelopmentKeyFile { get; set; }

    [Range(1, 1440)]
    public int DevelopmentTokenMinutes { get; set; } = 60;
}
