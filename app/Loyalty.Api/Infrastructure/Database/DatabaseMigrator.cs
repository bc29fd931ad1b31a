using System.Text.RegularExpressions;
using Dapper;
using FluentMigrator.Runner;
using Loyalty.Core;
using Loyalty.Api.Infrastructure.Database.Migrations;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// Applies schema migrations, writes the reference data of every <see cref="IDatabaseSeed"/> and syncs the
/// stage's token clients into <c>bank_clients</c>; with <see cref="DatabaseOptions.MigrationConnectionString"/>, does
/// all that with those credentials and makes the API's own user one that may only read and write rows.
/// </summary>
public sealed partial class DatabaseMigrator(
    MySqlDataSource dataSource,
    IOptions<DatabaseOptions> database,
    IOptions<BankClientOptions> clients,
    IEnumerable<IDatabaseSeed> seeds,
    ILoggerFactory loggers,
    ILogger<DatabaseMigrator> logger)
{
    /// <summary>What the API's user may do: rows only, in its own database. No DDL, no other schema, no grants.</summary>
    public static readonly IReadOnlyList<string> RuntimePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE"];

    private const string LockName = "loyalty.migrations";
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(MigrationLimits.Minutes);

    private const string UpsertClientSql = """
        INSERT INTO bank_clients (client_id, bank_code) VALUES (@ClientId, @BankCode)
        ON DUPLICATE KEY UPDATE bank_code = VALUES(bank_code)
        """;
    private const string DeleteOtherClientsSql = "DELETE FROM bank_clients WHERE client_id NOT IN @ClientIds";
    private const string DeleteAllClientsSql = "DELETE FROM bank_clients";

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var settings = database.Value;
        await using var migrationSource = settings.MigrationConnectionString is { } migration ? DatabaseSetup.DataSource(migration, loggers) : null;
        var source = migrationSource ?? dataSource;
        await using var lockConnection = await source.OpenConnectionAsync(cancellationToken);
        // Each new instance of a fleet runs this before its API starts; the named lock lets exactly one do it at a time.
        await using var held = await SessionLock.TryAcquireAsync(lockConnection, LockName, LockWait, cancellationToken)
            ?? throw new InvalidOperationException($"Could not take the migration lock within {LockWait.TotalMinutes} minutes.");
        ApplyMigrations(settings.MigrationConnectionString ?? settings.ConnectionString);
        await SeedAsync(source, cancellationToken);
        await SyncClientsAsync(source, cancellationToken);
        if (migrationSource is not null)
        {
            await GrantRuntimeUserAsync(lockConnection, settings.ConnectionString, cancellationToken);
        }
    }

    /// <summary>
    /// Creates the API's user if need be and leaves it exactly <see cref="RuntimePrivileges"/> on its database.
    /// Privileges are revoked only when it holds others, so the fleet still serving during a rollout never finds its
    /// user without them.
    /// </summary>
    /// <remarks>
    /// The password is set when the user is made, and never again here: from then on Secrets Manager's rotation owns
    /// it, and a migration setting it too could put back a password a rotation had just replaced.
    /// </remarks>
    private async Task GrantRuntimeUserAsync(MySqlConnection connection, string runtimeConnectionString, CancellationToken cancellationToken)
    {
        var runtime = new MySqlConnectionStringBuilder(runtimeConnectionString);
        if (!SqlName().IsMatch(runtime.UserID) || !SqlName().IsMatch(runtime.Database))
        {
            throw new InvalidOperationException(
                $"Database:ConnectionString: user '{runtime.UserID}' and database '{runtime.Database}' must be letters, digits and underscores.");
        }

        // Names cannot be parameters in account statements; both were checked above. The password is a parameter.
        var account = $"'{runtime.UserID}'@'%'";
        // In AWS the migration step's environment holds the password of the API's secret, for the first migration.
        if (runtime.Password is not { Length: > 0 })
        {
            throw new InvalidOperationException($"Database:ConnectionString names user '{runtime.UserID}' without the password to create it with.");
        }

        await connection.ExecuteAsync(new CommandDefinition($"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY @Password",
            new { runtime.Password }, cancellationToken: cancellationToken));
        var others = await connection.ExecuteScalarAsync<long>(new CommandDefinition(OtherPrivilegesSql,
            new { Grantee = account, runtime.Database, Allowed = RuntimePrivileges }, cancellationToken: cancellationToken));
        if (others > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition($"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}", cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            $"GRANT {string.Join(", ", RuntimePrivileges)} ON `{runtime.Database}`.* TO {account}", cancellationToken: cancellationToken));
        LogRuntimeUserGranted(logger, runtime.UserID, runtime.Database);
    }

    /// <summary>How many privileges the account holds beyond <see cref="RuntimePrivileges"/> on its database.</summary>
    private const string OtherPrivilegesSql = """
        SELECT (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = @Grantee AND PRIVILEGE_TYPE <> 'USAGE')
             + (SELECT COUNT(*) FROM information_schema.SCHEMA_PRIVILEGES
                WHERE GRANTEE = @Grantee AND (TABLE_SCHEMA <> @Database OR PRIVILEGE_TYPE NOT IN @Allowed OR IS_GRANTABLE = 'YES'))
             + (SELECT COUNT(*) FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = @Grantee)
             + (SELECT COUNT(*) FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = @Grantee)
        """;

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex SqlName();

    private void ApplyMigrations(string connectionString)
    {
        using var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddMySql5()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(M0001Schema).Assembly).For.Migrations())
            .AddLogging(logging => logging.AddFluentMigratorConsole().SetMinimumLevel(LogLevel.Warning))
            .BuildServiceProvider(validateScopes: false);
        using var scope = services.CreateScope();
        var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
        runner.MigrateUp();
        LogMigrated(logger);
    }

    private async Task SeedAsync(MySqlDataSource source, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        foreach (var seed in seeds)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await seed.SeedAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task SyncClientsAsync(MySqlDataSource source, CancellationToken cancellationToken)
    {
        var configured = clients.Value.Clients;
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
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

    [LoggerMessage(EventId = 1003, EventName = "RuntimeUserGranted", Level = LogLevel.Information,
        Message = "The API's database user {User} may read and write rows of {Database}, nothing else")]
    private static partial void LogRuntimeUserGranted(ILogger logger, string user, string database);

    [LoggerMessage(EventId = 1002, EventName = "ClientsSynced", Level = LogLevel.Information,
        Message = "Synced {Count} bank token clients")]
    private static partial void LogClientsSynced(ILogger logger, int count);
}
