using Dapper;
using FluentMigrator.Runner;
using Loyalty.Core;
using Loyalty.Api.Infrastructure.Database.Migrations;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// Applies schema migrations, writes the reference data of every <see cref="IDatabaseSeed"/> and syncs the
/// stage's token clients into <c>bank_clients</c>.
/// </summary>
public sealed partial class DatabaseMigrator(
    MySqlDataSource dataSource,
    IOptions<DatabaseOptions> database,
    IOptions<BankClientOptions> clients,
    IEnumerable<IDatabaseSeed> seeds,
    ILogger<DatabaseMigrator> logger)
{
    private const string LockName = "loyalty.migrations";
    private const int LockTimeoutSeconds = MigrationLimits.Minutes * 60;

    private const string AcquireLockSql = "SELECT GET_LOCK(@Name, @Timeout)";
    private const string ReleaseLockSql = "SELECT RELEASE_LOCK(@Name)";
    private const string UpsertClientSql = """
        INSERT INTO bank_clients (client_id, bank_code) VALUES (@ClientId, @BankCode)
        ON DUPLICATE KEY UPDATE bank_code = VALUES(bank_code)
        """;
    private const string DeleteOtherClientsSql = "DELETE FROM bank_clients WHERE client_id NOT IN @ClientIds";
    private const string DeleteAllClientsSql = "DELETE FROM bank_clients";

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Each new instance of a fleet runs this before its API starts; the named lock lets exactly one do it at a time.
        var acquired = await lockConnection.ExecuteScalarAsync<int?>(new CommandDefinition(
            AcquireLockSql, new { Name = LockName, Timeout = LockTimeoutSeconds }, cancellationToken: cancellationToken));
        if (acquired != 1)
        {
            throw new InvalidOperationException($"Could not take the migration lock within {LockTimeoutSeconds} s.");
        }

        try
        {
            ApplyMigrations();
            await SeedAsync(cancellationToken);
            await SyncClientsAsync(cancellationToken);
        }
        finally
        {
            await lockConnection.ExecuteScalarAsync<int?>(new CommandDefinition(
                ReleaseLockSql, new { Name = LockName }, cancellationToken: CancellationToken.None));
        }
    }

    private void ApplyMigrations()
    {
        using var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddMySql5()
                .WithGlobalConnectionString(database.Value.ConnectionString)
                .ScanIn(typeof(M0001Schema).Assembly).For.Migrations())
            .AddLogging(logging => logging.AddFluentMigratorConsole().SetMinimumLevel(LogLevel.Warning))
            .BuildServiceProvider(validateScopes: false);
        using var scope = services.CreateScope();
        var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
        runner.MigrateUp();
        LogMigrated(logger);
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var seed in seeds)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await seed.SeedAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task SyncClientsAsync(CancellationToken cancellationToken)
    {
        var configured = clients.Value.Clients;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (clientId, bankCode) in configured)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                UpsertClientSql, new { ClientId = clientId, BankCode = bankCode }, transaction,
                cancellationToken: cancellationToken));
        }

        // The stage configuration is the whole truth: a client removed from it loses access.
        await connection.ExecuteAsync(configured.Count == 0
            ? new CommandDefinition(DeleteAllClientsSql, transaction: transaction, cancellationToken: cancellationToken)
            : new CommandDefinition(DeleteOtherClientsSql, new { ClientIds = configured.Keys.ToArray() }, transaction,
                cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        LogClientsSynced(logger, configured.Count);
    }

    [LoggerMessage(EventId = 1001, EventName = "Migrated", Level = LogLevel.Information,
        Message = "Database schema is up to date")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(EventId = 1002, EventName = "ClientsSynced", Level = LogLevel.Information,
        Message = "Synced {Count} bank token clients")]
    private static partial void LogClientsSynced(ILogger logger, int count);
}
