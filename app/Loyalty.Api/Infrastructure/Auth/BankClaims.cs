using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Loyalty.Api.Infrastructure.Auth;

/// <summary>Which bank a token client belongs to; the platform's catalogue answers it.</summary>
public interface IClientBanks
{
    bool TryGetBank(string clientId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? bankCode);
}

/// <summary>Maps the token's client id to the bank it belongs to (the <c>bank_clients</c> table).</summary>
public sealed class BankClaims(IClientBanks clientBanks) : IClaimsTransformation
{
    public const string BankCode = "loyalty:bank";
    public const string ClientId = "client_id";
    public const string Scope = "scope";

    /// <summary>
    /// The identity this transformation adds. The bank is read only from it, so a token that carries a
    /// claim named like ours cannot choose its bank.
    /// </summary>
    public const string BankIdentityType = "loyalty-bank";

    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not { IsAuthenticated: true }
            || principal.Identities.Any(identity => identity.AuthenticationType == BankIdentityType)
            || principal.FindFirst(ClientId)?.Value is not { } clientId
            || !clientBanks.TryGetBank(clientId, out var bank))
        {
            return Task.FromResult(principal);
        }

        // A new identity on this request's principal: the token's own identity may be shared by every
        // request that presents the same token (CachingTokenHandler), so it is never modified.
        principal.AddIdentity(new ClaimsIdentity([new Claim(BankCode, bank)], BankIdentityType));
        return Task.FromResult(principal);
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string? FindBankCode(this ClaimsPrincipal user) =>
        user.Identities.FirstOrDefault(identity => identity.AuthenticationType == BankClaims.BankIdentityType)
            ?.FindFirst(BankClaims.BankCode)?.Value;

    /// <summary>The calling bank; the scope policies guarantee it exists on every /v1 request.</summary>
    public static string BankCode(this ClaimsPrincipal user) =>
        user.FindBankCode()
        ?? throw new InvalidOperationException("No bank on an authorised request: is the endpoint missing its policy?");

    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.FindAll(BankClaims.Scope).Any(claim => claim.Value.Split(' ').Contains(scope, StringComparer.Ordinal));
}
