using System.Net.Sockets;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

/// <summary>
/// Database errors that are no fault of the request: the server unreachable, restarting or failing over, a password
/// being rotated, or another transaction holding the locks. Writes retry lock conflicts briefly; anything still failing is answered 503.
/// </summary>
public static class DatabaseFaults
{
    private static readonly TimeSpan[] LockRetryDelays = [TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(150)];

    /// <summary>The database cannot serve the request now; the same request may well succeed shortly.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        MySqlException { IsTransient: true } => true,
        // A login refused (1045) or a password that could not be read: the password was just rotated and the new
        // one is read within Database:PasswordRefreshSeconds.
        MySqlException e => e.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown
            or MySqlErrorCode.QueryInterrupted or MySqlErrorCode.CommandTimeoutExpired
            or MySqlErrorCode.AccessDenied or MySqlErrorCode.ProvidePasswordCallbackFailed
            || e.InnerException is IOException or SocketException or EndOfStreamException,
        EndOfStreamException or SocketException => true,
        _ => exception.InnerException is MySqlException inner && IsUnavailable(inner),
    };

    /// <summary>A deadlock (1213) or a lock wait that timed out (1205): the statement lost to another transaction.</summary>
    public static bool IsLockConflict(Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout };

    /// <summary>
    /// Runs an idempotent write, again after a lock conflict (a fresh connection each time: a timed-out lock wait leaves
    /// its transaction open), at most twice more; then the conflict goes to the caller.
    /// </summary>
    public static async Task<T> RetryLockConflictsAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (MySqlException e) when (IsLockConflict(e) && attempt < LockRetryDelays.Length)
            {
                await Task.Delay(LockRetryDelays[attempt] * (1 + Random.Shared.NextDouble()), cancellationToken);
            }
        }
    }
}
