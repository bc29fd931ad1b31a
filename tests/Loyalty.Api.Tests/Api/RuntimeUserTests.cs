using Dapper;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Tests.Api;

/// <summary>
/// The user the API runs as (the fixture's, made by the start-up migration with the admin's credentials, as
/// loyalty-migrate.service makes it in AWS): it reads and writes rows, and nothing more.
/// </summary>
[Collection(ApiSuite.Name)]
public sealed class RuntimeUserTests(ApiFixture api)
{
    [Fact]
    public async Task TheApisUser_ReadsAndWritesRows_ButCannotChangeTheSchemaOrGrant()
    {
        await using var runtime = new MySqlConnection(api.RuntimeConnectionString);
        await runtime.OpenAsync();

        Assert.Equal(3, await runtime.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));
        await using (var transaction = await runtime.BeginTransactionAsync())
        {
            // A write it may make, not kept.
            Assert.Equal(1, await runtime.ExecuteAsync("UPDATE banks SET name = name WHERE code = 'HARB'", transaction: transaction));
            await transaction.RollbackAsync();
        }

        foreach (var statement in new[]
        {
            "CREATE TABLE runtime_user_probe (id INT)",
            "DROP TABLE events",
            "ALTER TABLE transactions ADD COLUMN probe INT",
            "CREATE INDEX ix_probe ON banks (name)",
            "TRUNCATE TABLE events",
            "CREATE USER 'probe'@'%' IDENTIFIED BY 'probe'",
            $"GRANT SELECT ON `{api.DatabaseName}`.* TO 'probe'@'%'",
            "SELECT COUNT(*) FROM mysql.user",
        })
        {
            var refused = await Assert.ThrowsAsync<MySqlException>(() => runtime.ExecuteAsync(statement));
            Assert.True(refused.ErrorCode is MySqlErrorCode.TableAccessDenied or MySqlErrorCode.SpecifiedAccessDeniedError or MySqlErrorCode.DatabaseAccessDenied,
                $"{statement}: {refused.ErrorCode} {refused.Message}");
        }
    }

    [Fact]
    public Task APrivilegeGrantedByHand_IsTakenBackByTheNextMigration() => WithMigratedProbeUserAsync(
        user => $"GRANT DROP, CREATE ON `{api.DatabaseName}`.* TO '{user}'@'%'",
        async runtimeConnection =>
        {
            await using var runtime = new MySqlConnection(runtimeConnection);
            await runtime.OpenAsync();
            var grants = string.Join("\n", await runtime.QueryAsync<string>("SHOW GRANTS FOR CURRENT_USER"));
            Assert.Contains($"GRANT SELECT, INSERT, UPDATE, DELETE ON `{api.DatabaseName}`.*", grants, StringComparison.Ordinal);
            Assert.DoesNotContain("DROP", grants, StringComparison.Ordinal);
            Assert.DoesNotContain("CREATE", grants, StringComparison.Ordinal);
            await Assert.ThrowsAsync<MySqlException>(() => runtime.ExecuteAsync("CREATE TABLE runtime_user_probe (id INT)"));
        });

    [Fact]
    public Task TheNextMigration_LeavesTheUsersPasswordAsRotationSetIt() => WithMigratedProbeUserAsync(
        user => $"ALTER USER '{user}'@'%' IDENTIFIED BY 'rotated-password'",
        async runtimeConnection =>
        {
            await using var rotated = new MySqlConnection(new MySqlConnectionStringBuilder(runtimeConnection) { Password = "rotated-password" }.ConnectionString);
            await rotated.OpenAsync();
            Assert.Equal(3, await rotated.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));
        });

    /// <summary>
    /// Migrates a user of its own (changing the fixture's would race the API's pooled connections), changes it by hand
    /// with the admin's <paramref name="change"/>, migrates again, then checks it; the user is dropped after.
    /// </summary>
    private async Task WithMigratedProbeUserAsync(Func<string, string> change, Func<string, Task> check)
    {
        var runtimeConnection = new MySqlConnectionStringBuilder(api.RuntimeConnectionString)
        {
            UserID = "api_probe_" + Guid.NewGuid().ToString("N")[..8],
        }.ConnectionString;
        var migrator = Migrator(runtimeConnection);
        var user = new MySqlConnectionStringBuilder(runtimeConnection).UserID;
        try
        {
            await migrator.MigrateAsync(CancellationToken.None);
            await using (var admin = await api.OpenDatabaseAsync())
            {
                await admin.ExecuteAsync(change(user));
            }

            await migrator.MigrateAsync(CancellationToken.None);
            await check(runtimeConnection);
        }
        finally
        {
            await using var admin = await api.OpenDatabaseAsync();
            await admin.ExecuteAsync($"DROP USER IF EXISTS '{user}'@'%'");
        }
    }

    /// <summary>The app's migrator, as its migration step runs it, making <paramref name="runtimeConnection"/>'s user.</summary>
    private DatabaseMigrator Migrator(string runtimeConnection)
    {
        var services = api.Factory.Services;
        var settings = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        return new DatabaseMigrator(services.GetRequiredService<MySqlDataSource>(),
            Options.Create(new DatabaseOptions { ConnectionString = runtimeConnection, MigrationConnectionString = settings.MigrationConnectionString }),
            services.GetRequiredService<IOptions<BankClientOptions>>(), services.GetServices<IDatabaseSeed>(),
            NullLoggerFactory.Instance, NullLogger<DatabaseMigrator>.Instance);
    }
}
