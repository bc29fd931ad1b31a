using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// Reference data that lives in code and is written into the database on every migration run, after the schema
/// is current and under the migration lock. Each seed is idempotent and runs in its own transaction.
/// </summary>
public interface IDatabaseSeed
{
    Task SeedAsync(MySqlConnection connection, MySqlTransaction transaction, CancellationToken cancellationToken);
}
