using System.ComponentModel.DataAnnotations;

namespace Loyalty.Api.Infrastructure.Database;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>MySqlConnector connection string; in AWS it is assembled at boot from Secrets Manager.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

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
