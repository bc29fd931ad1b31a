using System.ComponentModel.DataAnnotations;

namespace Loyalty.Api.Infrastructure.Database;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// MySqlConnector connection string; in AWS it is assembled at boot from the API's secret, without the password
    /// (<see cref="PasswordSecret"/> gives that).
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The name of the Secrets Manager secret that holds the password of <see cref="ConnectionString"/>'s user, when
    /// the connection string holds none. Secrets Manager rotates it; the API reads it again every
    /// <see cref="PasswordRefreshSeconds"/>, so a new connection after a rotation logs in with the new password.
    /// </summary>
    public string? PasswordSecret { get; set; }

    /// <summary>
    /// How long a password read from <see cref="PasswordSecret"/> is used before it is read again: after a rotation,
    /// new connections fail (answered 503) for at most this long. Existing connections are not affected.
    /// </summary>
    [Range(1, 3600)]
    public int PasswordRefreshSeconds { get; set; } = 30;

    /// <summary>Apply pending migrations when the API starts (a fleet serialises on a database lock).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Credentials that may change the schema, for migrating only: in AWS the RDS master secret, which only
    /// loyalty-migrate.service's environment holds, never the API's. When set, migrations run with it, and the user
    /// of <see cref="ConnectionString"/> is made a user that may only read and write rows, with that password: the
    /// user the API runs as.
    /// </summary>
    public string? MigrationConnectionString { get; set; }
}

/// <summary>Token client id to bank code, per stage (in AWS: one Cognito app client per bank).</summary>
public sealed class BankClientOptions
{
    public const string Section = "BankClients";

    public Dictionary<string, string> Clients { get; } = new(StringComparer.Ordinal);
}
