using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Dapper;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Api.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Loyalty.Api.Tests.Api;

/// <summary>
/// The API's password from its Secrets Manager secret (in the local AWS), as AWS rotates it: the data source the app
/// registers logs in with whatever the secret holds now, open connections are not disturbed, and the short while a new
/// connection still tries the old password is answered as the database being unavailable (503), never a 500.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class PasswordRotationTests(FulfilmentFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AfterARotation_NewConnectionsLogInWithTheNewPassword_AndOpenOnesCarryOn()
    {
        var suffix = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var user = "api_rot_" + suffix;
        var secretName = $"loyalty/test/database/rotation-{suffix}";
        var connectionString = new MySqlConnectionStringBuilder(fixture.ConnectionString) { UserID = user, Password = "" }.ConnectionString;
        await using var admin = await fixture.OpenDatabaseAsync();
        await admin.ExecuteAsync($"CREATE USER '{user}'@'%' IDENTIFIED BY 'first-{suffix}'");
        await admin.ExecuteAsync($"GRANT SELECT ON `{fixture.DatabaseName}`.* TO '{user}'@'%'");
        await fixture.Aws.CliAsync("secretsmanager", "create-secret", "--name", secretName, "--secret-string", Secret(user, $"first-{suffix}"));
        try
        {
            await using var services = Services(connectionString, secretName);
            var database = services.GetRequiredService<MySqlDataSource>();
            await using var open = await database.OpenConnectionAsync();
            Assert.Equal(3, await open.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));

            // As the rotation function does it: the database first, then the secret's current version.
            await admin.ExecuteAsync($"ALTER USER '{user}'@'%' IDENTIFIED BY 'second-{suffix}'");
            await fixture.Aws.CliAsync("secretsmanager", "put-secret-value", "--secret-id", secretName, "--secret-string", Secret(user, $"second-{suffix}"));

            Assert.Equal(3, await open.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));
            var refused = new List<string>();
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                await using var fresh = database.CreateConnection();
                await MySqlConnection.ClearPoolAsync(fresh); // a new physical connection: a new login
                try
                {
                    await fresh.OpenAsync();
                    Assert.Equal(3, await fresh.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));
                    break;
                }
                catch (MySqlException e) when (DateTime.UtcNow < deadline)
                {
                    Assert.True(DatabaseFaults.IsUnavailable(e), $"a login during the rotation failed with {e.ErrorCode}, which would be a 500: {e.Message}");
                    refused.Add(e.ErrorCode.ToString());
                    await Task.Delay(200);
                }
            }

            // The old password is no longer the one in use anywhere.
            await using var old = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Password = $"first-{suffix}" }.ConnectionString);
            Assert.Equal(MySqlErrorCode.AccessDenied, (await Assert.ThrowsAsync<MySqlException>(() => old.OpenAsync())).ErrorCode);
        }
        finally
        {
            await admin.ExecuteAsync($"DROP USER IF EXISTS '{user}'@'%'");
            await fixture.Aws.CliAsync("secretsmanager", "delete-secret", "--secret-id", secretName, "--force-delete-without-recovery");
        }
    }

    [Fact]
    public async Task AnUnreadableSecret_FailsLoginsAsUnavailable_NotAsAServerError()
    {
        var connectionString = new MySqlConnectionStringBuilder(fixture.ConnectionString) { UserID = "api_rot_none", Password = "" }.ConnectionString;
        await using var services = Services(connectionString, "loyalty/test/database/no-such-secret");

        await using var connection = services.GetRequiredService<MySqlDataSource>().CreateConnection();
        var failure = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());

        Assert.True(DatabaseFaults.IsUnavailable(failure), $"{failure.ErrorCode}: {failure.Message}");
    }

    /// <summary>The app's own database registration, configured as the boot step configures it in AWS.</summary>
    private ServiceProvider Services(string connectionString, string secretName)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            ["Database:PasswordSecret"] = secretName,
            ["Database:PasswordRefreshSeconds"] = "1",
        }).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton(fixture.Aws.NewSsmClient())
            .AddLoyaltyDatabase(configuration)
            .BuildServiceProvider();
    }

    private static string Secret(string user, string password) => JsonSerializer.Serialize(new { username = user, password });
}
