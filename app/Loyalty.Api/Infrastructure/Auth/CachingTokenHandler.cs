using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Loyalty.Api.Infrastructure.Auth;

/// <summary>
/// Checking a token's signature and claims is the largest cost of a catalogue read, and a bank sends the
/// same access token for up to an hour. A token that validated once is trusted again, by its exact string,
/// until it expires; invalid tokens are never cached. The cache is bounded and simply starts over when full.
/// </summary>
public sealed class CachingTokenHandler(JsonWebTokenHandler inner, TimeProvider time, int capacity = 10_000) : TokenHandler
{
    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTime ValidTo)> validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (validated.TryGetValue(token, out var hit))
        {
            if (hit.ValidTo > now)
            {
                return hit.Result;
            }

            validated.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { ValidTo: var validTo } && validTo > now)
        {
            if (validated.Count >= capacity)
            {
                validated.Clear();
            }

            validated[token] = (result, validTo);
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);
}
