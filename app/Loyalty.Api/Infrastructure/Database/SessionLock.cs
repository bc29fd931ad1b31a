using Dapper;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// A MariaDB named lock (<c>GET_LOCK</c>) held by one connection's session: one holder across a fleet,
/// released on dispose, and by the server itself when the holder's session dies (a killed process).
/// </summary>
public sealed class SessionLock : IAsyncDisposable
{
    private readonly MySqlConnection connection;
    private readonly string name;

    private SessionLock(MySqlConnection connection, string name)
    {
        this.connection = connection;
        this.name = name;
    }

    /// <summary>The lock, or null at once when another session holds it.</summary>
    public static async Task<SessionLock?> TryAcquireAsync(MySqlConnection connection, string name, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT GET_LOCK(@Name, 0)", new { Name = name },
            cancellationToken: cancellationToken)) == 1
            ? new SessionLock(connection, name)
            : null;

    // CancellationToken.None: the lock must go back even when the run holding it is being cancelled.
    public async ValueTask DisposeAsync() =>
        await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT RELEASE_LOCK(@Name)", new { Name = name },
            cancellationToken: CancellationToken.None));
}
