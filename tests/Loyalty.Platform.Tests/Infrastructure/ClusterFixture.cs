using MySqlConnector;

namespace Loyalty.Platform.Tests.Infrastructure;

/// <summary>
/// The local cluster as <c>make cluster</c> starts it (scripts/cluster.sh: three API processes behind nginx), with its
/// own MariaDB, local AWS and state folders under .local/, so it runs beside a developer's <c>make up</c>.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Instances = 3;

    private readonly Dictionary<string, string> environment;

    public ClusterFixture()
    {
        var local = Path.Combine(RepositoryRoot.Path, ".local");
        environment = new Dictionary<string, string>
        {
            ["LOYALTY_DB_DIR"] = Path.Combine(local, "mariadb-platform"),
            ["LOYALTY_AWS_DIR"] = Path.Combine(local, "aws-platform"),
            ["LOYALTY_CLUSTER_DIR"] = Path.Combine(local, "cluster-platform"),
            ["LOYALTY_DEV_KEY"] = Path.Combine(local, "platform-dev-issuer.key"),
        };
    }

    public string Url { get; private set; } = "";

    public string ConnectionString { get; private set; } = "";

    /// <summary>A development token of bank HARB with every scope.</summary>
    public string Token { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var database = await Processes.BashAsync(RepositoryRoot.Script("mariadb.sh"), ["start"], environment);
        ConnectionString = database.EnsureSuccess("mariadb.sh start").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        (await Processes.BashAsync(RepositoryRoot.Script("local-aws.sh"), ["start"], environment)).EnsureSuccess("local-aws.sh start");
        (await ApiCommandAsync("migrate")).EnsureSuccess("migrate");

        var port = Processes.FreePort();
        (await ClusterAsync("start", Instances.ToString(System.Globalization.CultureInfo.InvariantCulture), port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .EnsureSuccess("cluster.sh start");
        Url = $"http://127.0.0.1:{port}";
        Token = (await ApiCommandAsync("token", "--bank", "HARB")).EnsureSuccess("token").Output.Trim();
    }

    public async Task DisposeAsync()
    {
        await ClusterAsync("stop");
        await Processes.BashAsync(RepositoryRoot.Script("local-aws.sh"), ["stop"], environment);
        await Processes.BashAsync(RepositoryRoot.Script("mariadb.sh"), ["stop"], environment);
    }

    public Task<ProcessResult> ClusterAsync(params string[] arguments) =>
        Processes.BashAsync(RepositoryRoot.Script("cluster.sh"), arguments, environment, TimeSpan.FromMinutes(2));

    /// <summary>The cluster's slots as cluster.sh reports them.</summary>
    public async Task<IReadOnlyList<Instance>> InstancesAsync() =>
        [.. (await ClusterAsync("status")).EnsureSuccess("cluster.sh status").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Select(f => new Instance(int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f[1],
                int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), f[4] == "up"))];

    public async Task<MySqlConnection> OpenDatabaseAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs the load generator against the cluster's nginx until it stops by itself.</summary>
    public Task<LoadRun> GenerateLoadAsync(params string[] options) =>
        LoadRun.RunAsync(Url, Token, options);

    /// <summary>Starts the load generator against the cluster's nginx; the caller stops it when what it watches has happened.</summary>
    public LoadGeneration StartLoad(params string[] options) =>
        LoadGeneration.Start(Url, Token, options);

    /// <summary>One of the API's commands with what the cluster's instances run with, as make migrate and make token run it.</summary>
    private Task<ProcessResult> ApiCommandAsync(params string[] arguments) =>
        ClusterAsync(["exec", "dotnet", RepositoryRoot.ApiDll, .. arguments]);
}

public sealed record Instance(int Slot, string Id, int Port, int Pid, bool Up);

[CollectionDefinition(Name)]
public sealed class ClusterSuite : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
