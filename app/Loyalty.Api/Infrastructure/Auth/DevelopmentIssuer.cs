using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Loyalty.Api.Infrastructure.Auth;

/// <summary>
/// Mints Cognito-shaped client-credentials access tokens for local runs and tests, signed with a key kept in
/// a git-ignored file. The API refuses to trust it in Production.
/// </summary>
public sealed class DevelopmentIssuer
{
    private const int KeyBytes = 32;
    private readonly SymmetricSecurityKey key;
    private readonly string issuer;
    private readonly TimeProvider time;

    private DevelopmentIssuer(SymmetricSecurityKey key, string issuer, TimeProvider time)
    {
        this.key = key;
        this.issuer = issuer;
        this.time = time;
    }

    public SecurityKey SigningKey => key;

    public static DevelopmentIssuer FromKeyFile(string path, string issuer, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
            // CreateNew so two processes starting together never overwrite each other's key.
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                using var writer = new StreamWriter(stream);
                writer.Write(fresh);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        if (bytes.Length < KeyBytes)
        {
            throw new InvalidOperationException($"The development signing key in {path} is shorter than {KeyBytes} bytes.");
        }

        return new DevelopmentIssuer(new SymmetricSecurityKey(bytes) { KeyId = "loyalty-dev" }, issuer, time);
    }

    public string Mint(string clientId, IEnumerable<string> scopes, TimeSpan lifetime)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = clientId,
                [BankClaims.ClientId] = clientId,
                [BankClaims.Scope] = string.Join(' ', scopes),
                ["token_use"] = "access",
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
