using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// The API user's password, read from its Secrets Manager secret (through Parameter Store's read-only reference to
/// it, so the API needs no Secrets Manager client) each time the data source asks: Secrets Manager rotates it, and
/// new connections must log in with the password of the day.
/// </summary>
public sealed class SecretPassword(IAmazonSimpleSystemsManagement ssm, string secretName)
{
    /// <summary>Parameter Store's path for any Secrets Manager secret, by name.</summary>
    public const string ReferencePath = "/aws/reference/secretsmanager/";

    public async ValueTask<string> ReadAsync(MySqlProvidePasswordContext context, CancellationToken cancellationToken)
    {
        var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = ReferencePath + secretName, WithDecryption = true }, cancellationToken);
        using var secret = JsonDocument.Parse(response.Parameter.Value);
        return secret.RootElement.TryGetProperty("password", out var password) && password.GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The secret {secretName} holds no password.");
    }
}
