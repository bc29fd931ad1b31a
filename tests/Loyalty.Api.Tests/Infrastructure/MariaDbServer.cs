namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>
/// The project's private MariaDB (scripts/mariadb.sh) in a test-only data dir, shared by the fixtures of
/// one test run (each with its own database) and stopped when the last of them lets go. A fresh database
/// per fixture and run keeps them apart.
/// </summary>
public sealed class MariaDbServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static int users;
    private readonly string script;
    private readonly Dictionary<string, string> environment;

    private MariaDbServer(string script, Dictionary<string, string> environment, string connectionString)
    {
        this.script = script;
        this.environment = environment;
        ConnectionString = connectionString;
    }

    /// <summary>The project's admin user, who may change the schema and make users: what the tests inspect the database with.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// A user of its own for the API under test on <paramref name="databaseName"/>, not yet created: the migration,
    /// run with <see cref="ConnectionString"/> as its MigrationConnectionString, makes it a rows-only user, as
    /// loyalty-migrate.service does for the API's user in AWS.
    /// </summary>
    public string RuntimeConnectionString(string databaseName) => new MySqlConnector.MySqlConnectionStringBuilder(ConnectionString)
    {
        UserID = "api_" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(),
        Password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
        Database = databaseName,
    }.ConnectionString;

    /// <summary>Drops the user of <paramref name="runtimeConnectionString"/>, once its fixture is done.</summary>
    public async Task DropUserAsync(string runtimeConnectionString)
    {
        var user = new MySqlConnector.MySqlConnectionStringBuilder(runtimeConnectionString).UserID;
        // Without a database: the fixture has dropped its own by now.
        await using var connection = new MySqlConnector.MySqlConnection(
            new MySqlConnector.MySqlConnectionStringBuilder(ConnectionString) { Database = "" }.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new MySqlConnector.MySqlCommand($"DROP USER IF EXISTS '{user}'@'%'", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public static async Task<MariaDbServer> StartAsync(string databaseName)
    {
        var environment = new Dictionary<string, string>
        {
            ["LOYALTY_DB_DIR"] = Path.Combine(RepositoryRoot.Path, ".local", "mariadb-test"),
            ["LOYALTY_DB_NAME"] = databaseName,
        };
        var script = RepositoryRoot.Script("mariadb.sh");
        await Gate.WaitAsync();
        try
        {
            var output = await RunAsync(script, "start", environment);
            users++;
            var connectionString = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
            return new MariaDbServer(script, environment, connectionString);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the server once no fixture of this run uses it (the test data dir is ours alone).</summary>
    public async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--users == 0)
            {
                await RunAsync(script, "stop", environment);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> RunAsync(string script, string verb, Dictionary<string, string> environment) =>
        (await Processes.BashAsync(script, [verb], environment, TimeSpan.FromMinutes(2))).EnsureSuccess($"mariadb.sh {verb}").Output;
}
