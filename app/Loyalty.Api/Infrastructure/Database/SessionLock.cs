using Dapper;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// A MariaDB named lock (<c>GET_LOCK</c>) held by one connection's session: one holder across a fleet,
/// released on dispose, and by the server itself when the holder's session dies (a killed process).
/// </summary>
/// <remarks>
/// Lock names are the server's, not a database's: each is taken under the connection's database name, so two
/// databases on one server (stages, test runs) never wait on each other's locks.
/// </remarks>
public sealed class SessionLock : IAsyncDisposable
{
    private const string AcquireSql = "SELECT GET_LOCK(CONCAT(DATABASE(), '/', @Name), @WaitSeconds)";
    private const string ReleaseSql = "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '/', @Name))";

    private readonly MySqlConnection connection;
    private readonly string name;

    private SessionLock(MySqlConnection connection, string name)
    {
        this.connection = connection;
        this.name = name;
    }

    /// <summary>The lock, or null at once when another session holds it.</summary>
    public static Task<SessionLock?> TryAcquireAsync(MySqlConnection connection, string name, CancellationToken cancellationToken) =>
        TryAcquireAsync(connection, name, TimeSpan.Zero, cancellationToken);

    /// <summary>The lock, or null when another session still holds it after <paramref name="wait"/>.</summary>
    public static async Task<SessionLock?> TryAcquireAsync(MySqlConnection connection, string name, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (string.IsNullOrEmpty(connection.Database))
        {
            throw new InvalidOperationException($"The lock '{name}' belongs to a database; the connection has none.");
        }

        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition(AcquireSql,
            new { Name = name, WaitSeconds = (int)wait.TotalSeconds }, cancellationToken: cancellationToken)) == 1
            ? new SessionLock(connection, name)
            : null;
    }

    // CancellationToken.None: the lock must go back even when the run holding it is being cancelled.
    public async ValueTask DisposeAsync() =>
        await connection.ExecuteScalarAsync<int?>(new CommandDefinition(ReleaseSql, new { Name = name },
            cancellationToken: CancellationToken.None));
}
