using System.Diagnostics;

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

    public string ConnectionString { get; }

    public static async Task<MariaDbServer> StartAsync(string databaseName)
    {
        var root = RepositoryRoot.Path;
        var environment = new Dictionary<string, string>
        {
            ["LOYALTY_DB_DIR"] = System.IO.Path.Combine(root, ".local", "mariadb-test"),
            ["LOYALTY_DB_NAME"] = databaseName,
        };
        var script = System.IO.Path.Combine(root, "scripts", "mariadb.sh");
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

    private static Task<string> RunAsync(string script, string verb, Dictionary<string, string> environment) =>
        Scripts.RunAsync(script, verb, environment);
}

/// <summary>Runs one of the project's scripts/ with a verb, as make does, and returns its standard output.</summary>
public static class Scripts
{
    public static async Task<string> RunAsync(string script, string verb, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [script, verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{System.IO.Path.GetFileName(script)} {verb} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}

public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Loyalty.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Loyalty.sln not found above " + AppContext.BaseDirectory);
    }
}
