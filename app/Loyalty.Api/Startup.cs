using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api;

/// <summary>
/// Migrates (when configured) and loads the catalogue before the server takes traffic: hosted services
/// start before Kestrel, so no request ever sees an unloaded catalogue.
/// </summary>
public sealed class StartupTasks(DatabaseMigrator migrator, CatalogueStore catalogue, IOptions<DatabaseOptions> database) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken);
        }

        await catalogue.LoadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Ready means the catalogue is loaded and the database answers.</summary>
public sealed class DatabaseHealthCheck(MySqlDataSource database, CatalogueStore catalogue) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!catalogue.IsLoaded)
        {
            return HealthCheckResult.Unhealthy("The catalogue is not loaded yet.");
        }

        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (MySqlException e)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
